#include "app/credentials_file.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>

namespace sluice::app {
// Named: a unity build joins this file with the other tests.
namespace credentials_file_test {
namespace {

const std::string kDefaultAccount = "000000000000";

std::vector<protocol::Credential> ParseOk(std::string_view text) {
  auto parsed = ParseCredentialsFile(text, kDefaultAccount);
  EXPECT_TRUE(parsed.ok()) << (parsed.ok() ? "" : parsed.error().message());
  return parsed.ok() ? parsed.value() : std::vector<protocol::Credential>{};
}

std::string ParseError(std::string_view text) {
  auto parsed = ParseCredentialsFile(text, kDefaultAccount);
  EXPECT_FALSE(parsed.ok()) << text;
  return parsed.ok() ? "" : parsed.error().message();
}

TEST(CredentialsFileTest, ReadsProfilesWithCommentsAndSpacing) {
  const auto credentials = ParseOk(
      "# the team's keys\n"
      "; another comment\n"
      "\n"
      "[default]\n"
      "aws_access_key_id = AKIAFIRST\n"
      "aws_secret_access_key=first/secret+key\n"
      "region = eu-west-1\n"
      "\n"
      "[profile ci]\r\n"
      "  AWS_Access_Key_ID   =   AKIASECOND  \r\n"
      "Aws_Secret_Access_Key\t=\tsecond\r\n"
      "aws_session_token = FQoGZXIvYXdzEXAMPLE==\r\n"
      "aws_account_id = 111111111111\r\n");
  ASSERT_EQ(credentials.size(), 2U);
  EXPECT_EQ(credentials[0].profile, "default");
  EXPECT_EQ(credentials[0].access_key, "AKIAFIRST");
  EXPECT_EQ(credentials[0].secret_key, "first/secret+key");
  EXPECT_FALSE(credentials[0].session_token.has_value());
  EXPECT_EQ(credentials[0].account_id, kDefaultAccount);
  EXPECT_EQ(credentials[1].profile, "ci");
  EXPECT_EQ(credentials[1].access_key, "AKIASECOND");
  EXPECT_EQ(credentials[1].secret_key, "second");
  EXPECT_EQ(credentials[1].session_token, "FQoGZXIvYXdzEXAMPLE==");
  EXPECT_EQ(credentials[1].account_id, "111111111111");
}

TEST(CredentialsFileTest, SkipsProfilesThatHoldOnlySettings) {
  const auto credentials = ParseOk(
      "[settings]\nregion = us-east-1\n[keys]\naws_access_key_id=A\naws_secret_access_key=S\n");
  ASSERT_EQ(credentials.size(), 1U);
  EXPECT_EQ(credentials[0].profile, "keys");
}

TEST(CredentialsFileTest, AcceptsAByteOrderMarkAndNoFinalNewline) {
  const auto credentials =
      ParseOk("\xEF\xBB\xBF[default]\naws_access_key_id=A\naws_secret_access_key=S");
  ASSERT_EQ(credentials.size(), 1U);
  EXPECT_EQ(credentials[0].secret_key, "S");
}

TEST(CredentialsFileTest, AKeyRepeatedWithTheSameSecretIsOneCredential) {
  const auto credentials = ParseOk(
      "[a]\naws_access_key_id=K\naws_secret_access_key=S\n"
      "[b]\naws_access_key_id=K\naws_secret_access_key=S\n");
  ASSERT_EQ(credentials.size(), 1U);
  EXPECT_EQ(credentials[0].profile, "a");
}

TEST(CredentialsFileTest, RefusesWhatIsNotACredentialsFile) {
  struct Case {
    const char* text;
    const char* message;
  };
  const Case cases[] = {
      {"", "no profile with aws_access_key_id and aws_secret_access_key"},
      {"# only a comment\n", "no profile with aws_access_key_id and aws_secret_access_key"},
      {"[default]\nregion = us-east-1\n",
       "no profile with aws_access_key_id and aws_secret_access_key"},
      {"[default]\naws_access_key_id = A\n",
       "line 1: profile default has no aws_secret_access_key"},
      {"\n[p]\naws_secret_access_key = S\n", "line 2: profile p has no aws_access_key_id"},
      {"[a]\naws_access_key_id=K\naws_secret_access_key=S\n"
       "[b]\naws_access_key_id=K\naws_secret_access_key=T\n",
       "line 4: access key K of profile b is also in profile a with a different secret, token or "
       "account"},
      {"[a]\naws_access_key_id=K\naws_secret_access_key=S\naws_account_id=111111111111\n"
       "[b]\naws_access_key_id=K\naws_secret_access_key=S\naws_account_id=222222222222\n",
       "line 5: access key K of profile b is also in profile a with a different secret, token or "
       "account"},
      {"[a]\naws_access_key_id=K\naws_secret_access_key=S\naws_account_id=12345\n",
       "line 4: aws_account_id must be 12 digits, not '12345'"},
      {"[a]\naws_account_id=12345678901x\n",
       "line 2: aws_account_id must be 12 digits, not '12345678901x'"},
      {"[a]\njust some words\n", "line 2: expected [profile] or key = value"},
      {"aws_access_key_id = K\n", "line 1: 'aws_access_key_id' is outside a [profile] section"},
      {"[default\n", "line 1: a section must end with ']'"},
      {"[ ]\n", "line 1: a section needs a profile name"},
      {"[profile ]\n", "line 1: a section needs a profile name"},
      {"[a]\naws_access_key_id = \n",
       "line 2: aws_access_key_id must be non-empty, without spaces, '/', ',', '=' or ';'"},
      {"[a]\naws_access_key_id = AK/ID\n",
       "line 2: aws_access_key_id must be non-empty, without spaces, '/', ',', '=' or ';'"},
      {"[a]\naws_access_key_id = A\naws_secret_access_key =\n",
       "line 3: aws_secret_access_key is empty"},
      {"[a]\n= value\n", "line 2: expected a key before '='"},
  };
  for (const Case& c : cases) EXPECT_EQ(ParseError(c.text), c.message) << c.text;
}

TEST(CredentialsFileTest, ErrorsNeverShowASecret) {
  const std::string message = ParseError(
      "[a]\naws_access_key_id=K\naws_secret_access_key=TOPSECRET1\n"
      "[b]\naws_access_key_id=K\naws_secret_access_key=TOPSECRET2\n");
  EXPECT_EQ(message.find("TOPSECRET"), std::string::npos) << message;
}

TEST(CredentialsFileTest, ReadingAFileNamesItsPath) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("sluice-credentials-test-" + GenerateControlToken());
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "credentials").string();
  {
    std::ofstream out(path);
    out << "[default]\naws_access_key_id=A\n";
  }
  auto bad = ReadCredentialsFile(path, kDefaultAccount);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message(), path + ": line 1: profile default has no aws_secret_access_key");

  const auto missing = ReadCredentialsFile((dir / "absent").string(), kDefaultAccount);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().message().rfind((dir / "absent").string() + ": cannot read", 0), 0U)
      << missing.error().message();

  {
    std::ofstream out(path);
    out << RenderCredentialsFile(GenerateCredential("123456789012"));
  }
  const auto good = ReadCredentialsFile(path, kDefaultAccount);
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(good.value()[0].account_id, "123456789012");
  std::filesystem::remove_all(dir);
}

bool AllIn(std::string_view text, std::string_view alphabet) {
  return text.find_first_not_of(alphabet) == std::string_view::npos;
}

TEST(CredentialsFileTest, GeneratesKeysOfTheAwsShape) {
  const auto credential = GenerateCredential("000000000000");
  EXPECT_EQ(credential.profile, "sluice");
  EXPECT_EQ(credential.account_id, "000000000000");
  EXPECT_FALSE(credential.session_token.has_value());
  ASSERT_EQ(credential.access_key.size(), 20U);
  EXPECT_EQ(credential.access_key.substr(0, 4), "AKIA");
  EXPECT_TRUE(AllIn(credential.access_key.substr(4), "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"));
  ASSERT_EQ(credential.secret_key.size(), 40U);
  EXPECT_TRUE(AllIn(credential.secret_key,
                    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/+"));
}

TEST(CredentialsFileTest, GeneratedValuesDifferEachTime) {
  std::set<std::string> keys;
  std::set<std::string> secrets;
  std::set<std::string> tokens;
  std::set<char> secret_characters;
  for (int i = 0; i < 200; ++i) {
    const auto credential = GenerateCredential("000000000000");
    keys.insert(credential.access_key);
    secrets.insert(credential.secret_key);
    secret_characters.insert(credential.secret_key.begin(), credential.secret_key.end());
    tokens.insert(GenerateControlToken());
  }
  EXPECT_EQ(keys.size(), 200U);
  EXPECT_EQ(secrets.size(), 200U);
  EXPECT_EQ(tokens.size(), 200U);
  // 8,000 draws from 64 characters: every one of them turns up.
  EXPECT_EQ(secret_characters.size(), 64U);
}

TEST(CredentialsFileTest, ControlTokenIsThirtyTwoLowercaseHexCharacters) {
  const std::string token = GenerateControlToken();
  EXPECT_EQ(token.size(), 32U);
  EXPECT_TRUE(AllIn(token, "0123456789abcdef")) << token;
}

TEST(CredentialsFileTest, RenderedFilesReadBack) {
  auto credential = GenerateCredential("123456789012");
  const std::string text = RenderCredentialsFile(credential);
  EXPECT_EQ(text, "[sluice]\naws_access_key_id = " + credential.access_key +
                      "\naws_secret_access_key = " + credential.secret_key +
                      "\naws_account_id = 123456789012\n");
  const auto parsed = ParseOk(text);
  ASSERT_EQ(parsed.size(), 1U);
  EXPECT_EQ(parsed[0].access_key, credential.access_key);
  EXPECT_EQ(parsed[0].secret_key, credential.secret_key);
  EXPECT_EQ(parsed[0].account_id, "123456789012");
  EXPECT_EQ(parsed[0].profile, "sluice");

  credential.session_token = "TOKEN";
  const auto with_token = ParseOk(RenderCredentialsFile(credential));
  ASSERT_EQ(with_token.size(), 1U);
  EXPECT_EQ(with_token[0].session_token, "TOKEN");
}

TEST(CredentialsFileTest, RendersTheConfigFile) {
  EXPECT_EQ(RenderConfigFile("sluice", "eu-west-1"),
            "[profile sluice]\nregion = eu-west-1\noutput = json\n");
  EXPECT_EQ(RenderConfigFile("default", "us-east-1"),
            "[default]\nregion = us-east-1\noutput = json\n");
  // The config file is no credentials file, but it parses as one with no keys.
  EXPECT_EQ(ParseError(RenderConfigFile("sluice", "eu-west-1")),
            "no profile with aws_access_key_id and aws_secret_access_key");
}

}  // namespace
}  // namespace credentials_file_test
}  // namespace sluice::app
