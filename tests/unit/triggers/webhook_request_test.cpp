// A webhook delivery's checks: GITHUB_HMAC signatures, IP ranges, and filter
// rules with action-configuration placeholders.
#include "triggers/webhook_request.h"

#include <gtest/gtest.h>

#include <cctype>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace sluice::triggers {
namespace {

using domain::WebhookAuthentication;
using domain::WebhookDefinition;
using domain::WebhookFilter;
using nlohmann::json;

// GitHub's own sample (docs: "Validating webhook deliveries"): this secret
// and body give these signatures.
constexpr char kSecret[] = "It's a Secret to Everybody";
constexpr char kBody[] = "Hello, World!";
constexpr char kSha256[] = "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
constexpr char kSha1[] = "01dc10d0c83e72ed246219cdd91669667fe2ca59";

WebhookDefinition Webhook(WebhookAuthentication authentication) {
  WebhookDefinition webhook;
  webhook.name = "hook";
  webhook.target_pipeline = "pipeline";
  webhook.target_action = "Source";
  webhook.authentication = authentication;
  return webhook;
}

WebhookDefinition GithubHmac(const char* secret = kSecret) {
  WebhookDefinition webhook = Webhook(WebhookAuthentication::kGithubHmac);
  webhook.secret_token = secret;
  return webhook;
}

WebhookDefinition Ip(const char* range) {
  WebhookDefinition webhook = Webhook(WebhookAuthentication::kIp);
  webhook.allowed_ip_range = range;
  return webhook;
}

std::string Upper(std::string text) {
  for (char& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return text;
}

std::string Sha256Header(std::string hex) { return "sha256=" + hex; }

// ---- GITHUB_HMAC ---------------------------------------------------------

TEST(AuthenticateTest, ChecksGithubSignatures) {
  struct Case {
    const char* name;
    std::string signature_256;
    std::string signature_1;
    WebhookVerdict verdict;
    const char* reason;
  };
  const std::string wrong_256 = std::string(kSha256).replace(0, 1, "8");
  const std::string wrong_1 = std::string(kSha1).replace(0, 1, "1");
  const auto accepted = WebhookVerdict::kAccepted;
  const auto refused = WebhookVerdict::kUnauthorized;
  const char* no_match_256 = "X-Hub-Signature-256 does not match";
  const char* malformed_256 = "X-Hub-Signature-256 is not sha256=<64 hex digits>";
  const char* malformed_1 = "X-Hub-Signature is not sha1=<40 hex digits>";
  const Case cases[] = {
      {"sha256 right", Sha256Header(kSha256), "", accepted, ""},
      {"sha256 right, uppercase hex", Sha256Header(Upper(kSha256)), "", accepted, ""},
      {"sha256 right, sha1 wrong: sha256 decides", Sha256Header(kSha256), "sha1=" + wrong_1,
       accepted, ""},
      {"sha256 wrong", Sha256Header(wrong_256), "", refused, no_match_256},
      {"sha256 wrong, sha1 right: no fallback", Sha256Header(wrong_256),
       std::string("sha1=") + kSha1, refused, no_match_256},
      {"sha256 without its prefix", kSha256, "", refused, malformed_256},
      {"sha256 prefix in capitals", "SHA256=" + std::string(kSha256), "", refused,
       malformed_256},
      {"sha256 prefix alone", "sha256=", "", refused, malformed_256},
      {"sha256 one digit short", Sha256Header(std::string(kSha256).substr(1)), "", refused,
       malformed_256},
      {"sha256 one digit long", Sha256Header(std::string(kSha256) + "0"), "", refused,
       malformed_256},
      {"sha256 not hex", Sha256Header(std::string(kSha256).replace(5, 1, "g")), "", refused,
       malformed_256},
      {"sha256 with a trailing space", Sha256Header(kSha256) + " ", "", refused, malformed_256},
      {"sha1 digest in the sha256 header", std::string("sha1=") + kSha1, "", refused,
       malformed_256},
      {"sha1 right", "", std::string("sha1=") + kSha1, accepted, ""},
      {"sha1 right, uppercase hex", "", "sha1=" + Upper(kSha1), accepted, ""},
      {"sha1 wrong", "", "sha1=" + wrong_1, refused, "X-Hub-Signature does not match"},
      {"sha1 malformed", "", "sha1=xyz", refused, malformed_1},
      {"sha256 digest in the sha1 header", "", Sha256Header(kSha256), refused, malformed_1},
      {"neither header", "", "", refused, "no X-Hub-Signature-256 or X-Hub-Signature header"},
  };
  for (const Case& c : cases) {
    const WebhookCheck check =
        Authenticate(GithubHmac(), kBody, c.signature_256, c.signature_1, "203.0.113.9");
    EXPECT_EQ(check.verdict, c.verdict) << c.name;
    EXPECT_EQ(check.reason, c.reason) << c.name;
  }
}

TEST(AuthenticateTest, SignsTheExactBodyWithTheWebhooksSecret) {
  const std::string header = Sha256Header(kSha256);
  EXPECT_EQ(Authenticate(GithubHmac(), kBody, header, "", "").verdict, WebhookVerdict::kAccepted);
  // One byte more of body, or another secret, and the same header fails.
  EXPECT_EQ(Authenticate(GithubHmac(), "Hello, World!\n", header, "", "").reason,
            "X-Hub-Signature-256 does not match");
  EXPECT_EQ(Authenticate(GithubHmac("another secret"), kBody, header, "", "").reason,
            "X-Hub-Signature-256 does not match");
}

TEST(AuthenticateTest, GithubHmacWithoutASecretRefusesEverything) {
  WebhookDefinition webhook = GithubHmac();
  webhook.secret_token.reset();
  const WebhookCheck check = Authenticate(webhook, kBody, Sha256Header(kSha256), "", "");
  EXPECT_EQ(check.verdict, WebhookVerdict::kUnauthorized);
  EXPECT_EQ(check.reason, "the webhook has no SecretToken");
}

TEST(AuthenticateTest, ReasonsNeverQuoteTheSecret) {
  for (const char* header : {"", "sha256=00", "sha256=nothex"}) {
    const WebhookCheck check = Authenticate(GithubHmac(), kBody, header, header, "");
    EXPECT_EQ(check.reason.find(kSecret), std::string::npos) << check.reason;
  }
}

// ---- IP ------------------------------------------------------------------

TEST(AuthenticateTest, ChecksThePeerAddressAgainstTheRange) {
  struct Case {
    const char* range;
    const char* peer;
    WebhookVerdict verdict;
    const char* reason;
  };
  const Case cases[] = {
      {"10.0.0.0/8", "10.1.2.3", WebhookVerdict::kAccepted, ""},
      {"10.0.0.0/8", "::ffff:10.1.2.3", WebhookVerdict::kAccepted, ""},
      {"10.0.0.0/8", "192.168.0.1", WebhookVerdict::kUnauthorized,
       "peer address '192.168.0.1' is not in AllowedIPRange '10.0.0.0/8'"},
      {"10.0.0.0/8", "not an address", WebhookVerdict::kUnauthorized,
       "peer address 'not an address' is not an IP address"},
      {"10.0.0.0/8", "", WebhookVerdict::kUnauthorized, "peer address '' is not an IP address"},
      {"10.0.0.0/8", "10.0.0.1\nforged log line", WebhookVerdict::kUnauthorized,
       "peer address '10.0.0.1?forged log line' is not an IP address"},
      {"10.0.0.0/33", "10.1.2.3", WebhookVerdict::kUnauthorized,
       "AllowedIPRange '10.0.0.0/33' is not a CIDR block"},
      {"2001:db8::/32", "2001:db8::7", WebhookVerdict::kAccepted, ""},
  };
  for (const Case& c : cases) {
    const WebhookCheck check = Authenticate(Ip(c.range), kBody, "", "", c.peer);
    EXPECT_EQ(check.verdict, c.verdict) << c.range << " " << c.peer;
    EXPECT_EQ(check.reason, c.reason) << c.range << " " << c.peer;
  }
}

TEST(AuthenticateTest, IpIgnoresSignaturesAndNeedsARange) {
  // A valid signature does not stand in for the address.
  EXPECT_EQ(Authenticate(Ip("10.0.0.0/8"), kBody, Sha256Header(kSha256), "", "192.0.2.1").verdict,
            WebhookVerdict::kUnauthorized);
  const WebhookCheck check =
      Authenticate(Webhook(WebhookAuthentication::kIp), kBody, "", "", "10.0.0.1");
  EXPECT_EQ(check.verdict, WebhookVerdict::kUnauthorized);
  EXPECT_EQ(check.reason, "the webhook has no AllowedIPRange");
}

TEST(AuthenticateTest, UnauthenticatedAcceptsAnything) {
  const WebhookDefinition webhook = Webhook(WebhookAuthentication::kUnauthenticated);
  for (const char* header : {"", "sha256=garbage"}) {
    const WebhookCheck check = Authenticate(webhook, "", header, header, "garbage");
    EXPECT_EQ(check.verdict, WebhookVerdict::kAccepted);
    EXPECT_EQ(check.reason, "");
  }
}

struct RangeCase {
  const char* address;
  const char* range;
  bool inside;
};

class AddressInRangeTest : public ::testing::TestWithParam<RangeCase> {};

TEST_P(AddressInRangeTest, Decides) {
  EXPECT_EQ(AddressInRange(GetParam().address, GetParam().range), GetParam().inside)
      << GetParam().address << " in " << GetParam().range;
}

INSTANTIATE_TEST_SUITE_P(
    Ipv4, AddressInRangeTest,
    ::testing::Values(RangeCase{"10.1.2.3", "10.0.0.0/8", true},
                      RangeCase{"11.0.0.1", "10.0.0.0/8", false},
                      RangeCase{"10.255.255.255", "10.0.0.0/8", true},
                      RangeCase{"9.255.255.255", "10.0.0.0/8", false},
                      RangeCase{"192.168.1.77", "192.168.1.77/32", true},
                      RangeCase{"192.168.1.78", "192.168.1.77/32", false},
                      RangeCase{"203.0.113.9", "0.0.0.0/0", true},
                      RangeCase{"255.255.255.255", "0.0.0.0/0", true},
                      RangeCase{"10.0.0.1", "10.9.9.9/8", true},  // host bits ignored
                      RangeCase{"10.0.0.200", "10.0.0.128/25", true},
                      RangeCase{"10.0.0.127", "10.0.0.128/25", false},
                      RangeCase{"172.31.255.255", "172.16.0.0/12", true},
                      RangeCase{"172.32.0.0", "172.16.0.0/12", false}));

INSTANTIATE_TEST_SUITE_P(
    Ipv6, AddressInRangeTest,
    ::testing::Values(RangeCase{"2001:db8::1", "2001:db8::/32", true},
                      RangeCase{"2001:DB8:ffff::1", "2001:db8::/32", true},
                      RangeCase{"2001:db9::1", "2001:db8::/32", false},
                      RangeCase{"2001:db8::1", "2001:db8::1/128", true},
                      RangeCase{"2001:db8::2", "2001:db8::1/128", false},
                      RangeCase{"2001:db8:8000::1", "2001:db8:8000::/33", true},
                      RangeCase{"2001:db8::1", "2001:db8:8000::/33", false},
                      RangeCase{"::1", "::1/128", true}, RangeCase{"2001:db8::1", "::/0", true},
                      RangeCase{"fe80::1%eth0", "fe80::/10", true},
                      RangeCase{"fe80::1%2", "fe80::/10", true},
                      RangeCase{"2001:db8::1", "0.0.0.0/0", false}));

// IPv4 is compared in its IPv4-mapped IPv6 form, either way round.
INSTANTIATE_TEST_SUITE_P(
    Ipv4Mapped, AddressInRangeTest,
    ::testing::Values(RangeCase{"::ffff:10.0.0.1", "10.0.0.0/8", true},
                      RangeCase{"::FFFF:10.0.0.1", "10.0.0.0/8", true},
                      RangeCase{"::ffff:a00:1", "10.0.0.0/8", true},
                      RangeCase{"::ffff:11.0.0.1", "10.0.0.0/8", false},
                      RangeCase{"::ffff:1.2.3.4", "0.0.0.0/0", true},
                      RangeCase{"::ffff:10.0.0.1", "10.0.0.1/32", true},
                      RangeCase{"10.0.0.1", "::ffff:10.0.0.0/104", true},
                      RangeCase{"10.0.0.1", "::ffff:0:0/96", true},
                      RangeCase{"10.0.0.1", "::/0", true},
                      RangeCase{"::10.0.0.1", "10.0.0.0/8", false},  // IPv4-compatible, not mapped
                      RangeCase{"64:ff9b::a00:1", "10.0.0.0/8", false}));

INSTANTIATE_TEST_SUITE_P(
    GarbageAddresses, AddressInRangeTest,
    ::testing::Values(RangeCase{"", "0.0.0.0/0", false}, RangeCase{"10.0.0", "0.0.0.0/0", false},
                      RangeCase{"10.0.0.256", "0.0.0.0/0", false},
                      RangeCase{"010.0.0.1", "0.0.0.0/0", false},
                      RangeCase{"10.0.0.1 ", "0.0.0.0/0", false},
                      RangeCase{" 10.0.0.1", "0.0.0.0/0", false},
                      RangeCase{"localhost", "0.0.0.0/0", false},
                      RangeCase{"10.0.0.1/32", "0.0.0.0/0", false},
                      RangeCase{"10.0.0.1%eth0", "0.0.0.0/0", false},
                      RangeCase{"fe80::1%", "::/0", false}, RangeCase{"[::1]", "::/0", false},
                      RangeCase{"::ffff:10.0.0.1.5", "::/0", false},
                      RangeCase{"1:2:3:4:5:6:7:8:9", "::/0", false},
                      RangeCase{"2001:db8:::1", "::/0", false}));

INSTANTIATE_TEST_SUITE_P(
    GarbageRanges, AddressInRangeTest,
    ::testing::Values(RangeCase{"10.0.0.1", "10.0.0.0", false},
                      RangeCase{"10.0.0.1", "10.0.0.0/", false},
                      RangeCase{"10.0.0.1", "10.0.0.0/33", false},
                      RangeCase{"10.0.0.1", "10.0.0.0/-1", false},
                      RangeCase{"10.0.0.1", "10.0.0.0/+8", false},
                      RangeCase{"10.0.0.1", "10.0.0.0/0008", false},
                      RangeCase{"10.0.0.1", "10.0.0.0/8/8", false},
                      RangeCase{"10.0.0.1", "/8", false}, RangeCase{"10.0.0.1", "garbage/8", false},
                      RangeCase{"10.0.0.1", "10.0.0.0 /8", false},
                      RangeCase{"2001:db8::1", "2001:db8::/129", false},
                      RangeCase{"fe80::1", "fe80::%eth0/10", false}, RangeCase{"", "", false}));

TEST(AddressInRangeTest, RefusesTextWithANul) {
  using namespace std::string_literals;
  EXPECT_FALSE(AddressInRange("10.0.0.1\0junk"s, "10.0.0.0/8"));
  EXPECT_FALSE(AddressInRange("10.0.0.1", "10.0.0.0/8\0"s));
  EXPECT_TRUE(AddressInRange("10.0.0.1", "10.0.0.0/8"));
}

// ---- ConstantTimeEquals --------------------------------------------------

TEST(ConstantTimeEqualsTest, ComparesBytes) {
  using namespace std::string_literals;
  struct Case {
    std::string a;
    std::string b;
    bool equal;
  };
  const Case cases[] = {
      {"", "", true},           {"a", "a", true},         {"a", "b", false},
      {"ab", "a", false},       {"a", "ab", false},       {"abc", "abd", false},
      {"xbc", "abc", false},    {"a\0b"s, "a\0b"s, true}, {"a\0b"s, "a\0c"s, false},
      {"\xff"s, "\x7f"s, false},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(ConstantTimeEquals(c.a, c.b), c.equal) << c.a << " vs " << c.b;
  }
}

// ---- Filters -------------------------------------------------------------

const json& Push() {
  static const json payload = [] {
    json push = json::parse(R"({
      "ref": "refs/heads/main",
      "size": 3,
      "ratio": 1.5,
      "created": false,
      "deleted": null,
      "repository": {"name": "app", "full_name": "acme/app"},
      "commits": [{"id": "c1"}, {"id": "c2"}, {"id": "c3"}, {"id": "c4"}],
      "braced": "{main}",
      "unknown": "x-{Nope}",
      "empty": "a{}b",
      "lines": "one\ntwo"
    })");
    std::string digits;
    for (int i = 0; i < 10; ++i) digits += "0123456789";
    push["long"] = digits;  // 100 bytes, longer than a reason quotes
    return push;
  }();
  return payload;
}

const std::map<std::string, std::string>& Configuration() {
  static const std::map<std::string, std::string> configuration = {
      {"Branch", "main"}, {"Owner", "acme"}, {"Repo", "app"}, {"Braces", "{Branch}"}};
  return configuration;
}

struct FilterCase {
  const char* name;
  std::vector<WebhookFilter> filters;
  WebhookVerdict verdict;
  const char* reason;
};

WebhookFilter Rule(const char* json_path) { return WebhookFilter{json_path, std::nullopt}; }
WebhookFilter Rule(const char* json_path, const char* match_equals) {
  return WebhookFilter{json_path, match_equals};
}

void ExpectFilterCases(const std::vector<FilterCase>& cases) {
  for (const FilterCase& c : cases) {
    const WebhookCheck check = MatchFilters(c.filters, Push(), Configuration());
    EXPECT_EQ(check.verdict, c.verdict) << c.name;
    EXPECT_EQ(check.reason, c.reason) << c.name;
  }
}

constexpr auto kAccepted = WebhookVerdict::kAccepted;
constexpr auto kMismatch = WebhookVerdict::kFilterMismatch;

TEST(MatchFiltersTest, MatchesPathsAndValues) {
  ExpectFilterCases({
      {"no filters", {}, kAccepted, ""},
      {"path alone", {Rule("$.ref")}, kAccepted, ""},
      {"path alone, selecting null", {Rule("$.deleted")}, kAccepted, ""},
      {"path selecting nothing", {Rule("$.missing")}, kMismatch,
       "filter 1 ($.missing): selects nothing"},
      {"filter expression", {Rule("$.commits[?(@.id == 'c1')]")}, kMismatch,
       "filter 1 ($.commits[?(@.id == 'c1')]): selects nothing"},
      {"literal value", {Rule("$.ref", "refs/heads/main")}, kAccepted, ""},
      {"other value", {Rule("$.ref", "refs/heads/dev")}, kMismatch,
       "filter 1 ($.ref): 'refs/heads/main' is not 'refs/heads/dev'"},
      {"case matters", {Rule("$.ref", "refs/heads/Main")}, kMismatch,
       "filter 1 ($.ref): 'refs/heads/main' is not 'refs/heads/Main'"},
      {"quotes are not part of a string", {Rule("$.ref", "\"refs/heads/main\"")}, kMismatch,
       "filter 1 ($.ref): 'refs/heads/main' is not '\"refs/heads/main\"'"},
      {"value with nothing selected", {Rule("$.missing", "x")}, kMismatch,
       "filter 1 ($.missing): selects nothing"},
  });
}

TEST(MatchFiltersTest, FillsPlaceholdersFromTheActionConfiguration) {
  ExpectFilterCases({
      {"the documented example", {Rule("$.ref", "refs/heads/{Branch}")}, kAccepted, ""},
      {"two placeholders", {Rule("$.repository.full_name", "{Owner}/{Repo}")}, kAccepted, ""},
      {"placeholder alone", {Rule("$.repository.name", "{Repo}")}, kAccepted, ""},
      {"keys are case-sensitive", {Rule("$.ref", "refs/heads/{branch}")}, kMismatch,
       "filter 1 ($.ref): 'refs/heads/main' is not 'refs/heads/{branch}'"},
      {"unknown key stays as written", {Rule("$.unknown", "x-{Nope}")}, kAccepted, ""},
      {"empty braces stay", {Rule("$.empty", "a{}b")}, kAccepted, ""},
      {"doubled braces keep the outer pair", {Rule("$.braced", "{{Branch}}")}, kAccepted, ""},
      {"values are not expanded again", {Rule("$.braced", "{Braces}")}, kMismatch,
       "filter 1 ($.braced): '{main}' is not '{Braces}'"},
      {"unclosed brace", {Rule("$.ref", "refs/heads/{Branch")}, kMismatch,
       "filter 1 ($.ref): 'refs/heads/main' is not 'refs/heads/{Branch'"},
  });
}

TEST(MatchFiltersTest, ComparesNonStringsByTheirJsonText) {
  ExpectFilterCases({
      {"integer", {Rule("$.size", "3")}, kAccepted, ""},
      {"integer, other spelling", {Rule("$.size", "3.0")}, kMismatch,
       "filter 1 ($.size): '3' is not '3.0'"},
      {"number", {Rule("$.ratio", "1.5")}, kAccepted, ""},
      {"false", {Rule("$.created", "false")}, kAccepted, ""},
      {"false is not False", {Rule("$.created", "False")}, kMismatch,
       "filter 1 ($.created): 'false' is not 'False'"},
      {"null", {Rule("$.deleted", "null")}, kAccepted, ""},
      {"object never equals", {Rule("$.repository", R"({"full_name":"acme/app","name":"app"})")},
       kMismatch,
       "filter 1 ($.repository): an object is not '{\"full_name\":\"acme/app\",\"name\":\"app\"}'"},
      {"array never equals", {Rule("$.commits", "[]")}, kMismatch,
       "filter 1 ($.commits): an array is not '[]'"},
  });
}

TEST(MatchFiltersTest, AnySelectedValueMayMatch) {
  ExpectFilterCases({
      {"one of several", {Rule("$.commits[*].id", "c2")}, kAccepted, ""},
      {"none of several", {Rule("$.commits[0,1].id", "c9")}, kMismatch,
       "filter 1 ($.commits[0,1].id): none of the 2 selected values ('c1', 'c2') is 'c9'"},
      {"none of many, three listed", {Rule("$.commits[*].id", "c9")}, kMismatch,
       "filter 1 ($.commits[*].id): none of the 4 selected values ('c1', 'c2', 'c3', ...) "
       "is 'c9'"},
      {"mixed kinds", {Rule("$['size','repository']", "x")}, kMismatch,
       "filter 1 ($['size','repository']): none of the 2 selected values ('3', an object) "
       "is 'x'"},
  });
}

TEST(MatchFiltersTest, EveryFilterMustMatchAndTheFirstFailureIsNamed) {
  ExpectFilterCases({
      {"all match",
       {Rule("$.ref", "refs/heads/{Branch}"), Rule("$.repository.name", "{Repo}"),
        Rule("$.commits")},
       kAccepted,
       ""},
      {"second fails",
       {Rule("$.ref", "refs/heads/{Branch}"), Rule("$.repository.name", "other"),
        Rule("$.missing")},
       kMismatch,
       "filter 2 ($.repository.name): 'app' is not 'other'"},
      {"third selects nothing",
       {Rule("$.ref"), Rule("$.size", "3"), Rule("$.head_commit.id")},
       kMismatch,
       "filter 3 ($.head_commit.id): selects nothing"},
      {"first fails before a later one is read",
       {Rule("$.ref", "refs/heads/dev"), Rule("$.missing")},
       kMismatch,
       "filter 1 ($.ref): 'refs/heads/main' is not 'refs/heads/dev'"},
  });
}

TEST(MatchFiltersTest, ReasonsKeepPayloadValuesShortAndOnOneLine) {
  ExpectFilterCases({
      {"long value",
       {Rule("$.long", "x")},
       kMismatch,
       "filter 1 ($.long): "
       "'01234567890123456789012345678901234567890123456789012345678901234567890123456789...'"
       " is not 'x'"},
      {"control characters", {Rule("$.lines", "x")}, kMismatch,
       "filter 1 ($.lines): 'one?two' is not 'x'"},
  });
}

// A cut in the middle of a multi-byte character would leave invalid UTF-8
// in the reason; the cut backs up to the character's start instead.
TEST(MatchFiltersTest, CutsLongValuesBetweenCharacters) {
  json payload;
  payload["v"] = std::string(79, 'a') + "\xc3\xa9" + "tail";  // 'é' spans bytes 80 and 81
  const WebhookCheck check = MatchFilters({Rule("$.v", "x")}, payload, {});
  EXPECT_EQ(check.reason, "filter 1 ($.v): '" + std::string(79, 'a') + "...' is not 'x'");
}

}  // namespace
}  // namespace sluice::triggers
