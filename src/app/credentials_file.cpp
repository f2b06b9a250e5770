#include "credentials_file.h"

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <optional>
#include <random>
#include <sstream>
#include <utility>

namespace sluice::app {

// Named, so that a unity build, which joins this file with the app
// library's others, keeps these helpers apart from theirs.
namespace credentials_file_detail {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

std::string Lowercase(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

ServiceError LineError(std::size_t line, const std::string& message) {
  return ServiceError::Validation("line " + std::to_string(line) + ": " + message);
}

bool IsAccountId(std::string_view text) {
  if (text.size() != 12) return false;
  for (const char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// An access key goes into the Authorization header's credential scope, so
// it must hold none of the characters that delimit it there.
bool IsUsableAccessKey(std::string_view key) {
  for (const char c : key) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte == 0x7f || c == '/' || c == ',' || c == '=' || c == ';') return false;
  }
  return !key.empty();
}

// One [section] as read so far; `line` is its header's, for messages.
struct Profile {
  std::string name;
  std::size_t line = 0;
  std::optional<std::string> access_key;
  std::optional<std::string> secret_key;
  std::optional<std::string> session_token;
  std::optional<std::string> account_id;
};

// `count` bytes from /dev/urandom, else from std::random_device (itself the
// OS's generator on the platforms sluice builds for).
std::string RandomBytes(std::size_t count) {
  std::string bytes(count, '\0');
  if (std::FILE* file = std::fopen("/dev/urandom", "rb")) {
    const std::size_t got = std::fread(bytes.data(), 1, count, file);
    std::fclose(file);
    if (got == count) return bytes;
  }
  std::random_device device;
  for (char& byte : bytes) byte = static_cast<char>(device() & 0xffU);
  return bytes;
}

// `count` characters of `alphabet`, whose size is a power of two up to 256
// so that masking a random byte picks each character equally often.
template <std::size_t N>
std::string RandomText(std::size_t count, const char (&alphabet)[N]) {
  constexpr std::size_t kSize = N - 1;  // the array holds a terminating NUL
  static_assert(kSize > 0 && kSize <= 256 && (kSize & (kSize - 1)) == 0);
  const std::string bytes = RandomBytes(count);
  std::string out;
  out.reserve(count);
  for (const char byte : bytes) out.push_back(alphabet[static_cast<unsigned char>(byte) % kSize]);
  return out;
}

// ParseCredentialsFile's work, here beside its helpers.
Result<std::vector<protocol::Credential>> Parse(std::string_view text,
                                                const std::string& default_account) {
  std::vector<Profile> profiles;
  constexpr std::string_view kByteOrderMark = "\xEF\xBB\xBF";  // some editors write one
  if (text.substr(0, kByteOrderMark.size()) == kByteOrderMark) {
    text.remove_prefix(kByteOrderMark.size());
  }
  std::size_t line_number = 0;
  for (std::size_t start = 0; start < text.size();) {
    ++line_number;
    const std::size_t newline = text.find('\n', start);
    const std::size_t end = newline == std::string_view::npos ? text.size() : newline;
    const std::string_view line = Trim(text.substr(start, end - start));
    start = end + 1;
    if (line.empty() || line.front() == '#' || line.front() == ';') continue;

    if (line.front() == '[') {
      if (line.back() != ']') return LineError(line_number, "a section must end with ']'");
      std::string_view name = line.substr(1, line.size() - 2);
      while (!name.empty() && (name.front() == ' ' || name.front() == '\t')) name.remove_prefix(1);
      // The config file's form, "[profile name]", names the same profile.
      constexpr std::string_view kProfilePrefix = "profile ";
      if (name.substr(0, kProfilePrefix.size()) == kProfilePrefix) {
        name.remove_prefix(kProfilePrefix.size());
      }
      name = Trim(name);
      if (name.empty()) return LineError(line_number, "a section needs a profile name");
      profiles.push_back(Profile{std::string(name), line_number, {}, {}, {}, {}});
      continue;
    }

    const std::size_t eq = line.find('=');
    if (eq == std::string_view::npos) {
      return LineError(line_number, "expected [profile] or key = value");
    }
    const std::string key = Lowercase(Trim(line.substr(0, eq)));
    const std::string value(Trim(line.substr(eq + 1)));
    if (key.empty()) return LineError(line_number, "expected a key before '='");
    if (profiles.empty()) {
      return LineError(line_number, "'" + key + "' is outside a [profile] section");
    }
    Profile& profile = profiles.back();
    if (key == "aws_access_key_id") {
      if (!IsUsableAccessKey(value)) {
        return LineError(line_number,
                         "aws_access_key_id must be non-empty, without spaces, '/', ',', '=' or "
                         "';'");
      }
      profile.access_key = value;
    } else if (key == "aws_secret_access_key") {
      if (value.empty()) return LineError(line_number, "aws_secret_access_key is empty");
      profile.secret_key = value;
    } else if (key == "aws_session_token" || key == "aws_security_token") {
      if (value.empty()) return LineError(line_number, key + " is empty");
      profile.session_token = value;
    } else if (key == "aws_account_id") {
      if (!IsAccountId(value)) {
        return LineError(line_number, "aws_account_id must be 12 digits, not '" + value + "'");
      }
      profile.account_id = value;
    }
    // Other keys (region, output, role_arn...) are for other tools.
  }

  std::vector<protocol::Credential> credentials;
  for (const Profile& profile : profiles) {
    if (!profile.access_key && !profile.secret_key) continue;  // settings only
    if (!profile.access_key) {
      return LineError(profile.line,
                       "profile " + profile.name + " has no aws_access_key_id");
    }
    if (!profile.secret_key) {
      return LineError(profile.line,
                       "profile " + profile.name + " has no aws_secret_access_key");
    }
    protocol::Credential credential{*profile.access_key, *profile.secret_key,
                                    profile.session_token,
                                    profile.account_id.value_or(default_account), profile.name};
    bool repeat = false;
    for (const protocol::Credential& earlier : credentials) {
      if (earlier.access_key != credential.access_key) continue;
      if (earlier.secret_key != credential.secret_key ||
          earlier.session_token != credential.session_token ||
          earlier.account_id != credential.account_id) {
        return LineError(profile.line, "access key " + credential.access_key + " of profile " +
                                           profile.name + " is also in profile " +
                                           earlier.profile +
                                           " with a different secret, token or account");
      }
      repeat = true;
    }
    if (!repeat) credentials.push_back(std::move(credential));
  }
  if (credentials.empty()) {
    return ServiceError::Validation(
        "no profile with aws_access_key_id and aws_secret_access_key");
  }
  return credentials;
}

}  // namespace
}  // namespace credentials_file_detail

Result<std::vector<protocol::Credential>> ParseCredentialsFile(
    std::string_view text, const std::string& default_account) {
  return credentials_file_detail::Parse(text, default_account);
}

Result<std::vector<protocol::Credential>> ReadCredentialsFile(
    const std::string& path, const std::string& default_account) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    return ServiceError::Validation(path + ": cannot read: " + std::strerror(errno));
  }
  std::ostringstream text;
  text << file.rdbuf();
  if (file.bad()) return ServiceError::Validation(path + ": cannot read");
  auto parsed = ParseCredentialsFile(text.str(), default_account);
  if (!parsed.ok()) return ServiceError::Validation(path + ": " + parsed.error().message());
  return parsed;
}

protocol::Credential GenerateCredential(const std::string& account_id) {
  static constexpr char kKeyAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  static constexpr char kSecretAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/+";
  using credentials_file_detail::RandomText;
  return protocol::Credential{"AKIA" + RandomText(16, kKeyAlphabet),
                              RandomText(40, kSecretAlphabet), std::nullopt, account_id,
                              "sluice"};
}

std::string RenderCredentialsFile(const protocol::Credential& credential) {
  std::string text = "[" + (credential.profile.empty() ? "sluice" : credential.profile) + "]\n";
  text += "aws_access_key_id = " + credential.access_key + "\n";
  text += "aws_secret_access_key = " + credential.secret_key + "\n";
  if (credential.session_token) text += "aws_session_token = " + *credential.session_token + "\n";
  text += "aws_account_id = " + credential.account_id + "\n";
  return text;
}

std::string RenderConfigFile(const std::string& profile, const std::string& region) {
  const std::string section = profile == "default" ? "[default]" : "[profile " + profile + "]";
  return section + "\nregion = " + region + "\noutput = json\n";
}

std::string GenerateControlToken() {
  static constexpr char kDigits[] = "0123456789abcdef";
  const std::string bytes = credentials_file_detail::RandomBytes(16);
  std::string token;
  token.reserve(32);
  for (const char c : bytes) {
    const auto byte = static_cast<unsigned char>(c);
    token.push_back(kDigits[byte >> 4]);
    token.push_back(kDigits[byte & 0x0f]);
  }
  return token;
}

}  // namespace sluice::app
