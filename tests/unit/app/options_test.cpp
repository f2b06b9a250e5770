#include "app/options.h"

#include <gtest/gtest.h>

namespace sluice::app {
namespace {

TEST(OptionsTest, DefaultsWithoutFlagsOrEnvironment) {
  const auto outcome = ParseOptions({}, {});
  ASSERT_TRUE(outcome.options.has_value());
  EXPECT_EQ(outcome.options->server.host, "127.0.0.1");
  EXPECT_EQ(outcome.options->server.port, 4599);
  EXPECT_EQ(outcome.options->default_account, "000000000000");
  EXPECT_EQ(outcome.options->log_format, LogFormat::kText);
  EXPECT_EQ(outcome.options->pipelines.max_pipelines_per_scope, 1000U);
}

TEST(OptionsTest, MaxPipelinesRaisesThePerRegionQuota) {
  const auto outcome = ParseOptions({}, {{"SLUICE_MAX_PIPELINES", "20000"}});
  ASSERT_TRUE(outcome.options.has_value()) << outcome.error;
  EXPECT_EQ(outcome.options->pipelines.max_pipelines_per_scope, 20000U);
}

TEST(OptionsTest, FlagsWinOverEnvironment) {
  const auto outcome =
      ParseOptions({"--port", "0", "--log-format=json"},
                   {{"SLUICE_PORT", "9000"}, {"SLUICE_HOST", "0.0.0.0"}, {"SLUICE_THREADS", "3"}});
  ASSERT_TRUE(outcome.options.has_value()) << outcome.error;
  EXPECT_EQ(outcome.options->server.port, 0);
  EXPECT_EQ(outcome.options->server.host, "0.0.0.0");
  EXPECT_EQ(outcome.options->server.threads, 3U);
  EXPECT_EQ(outcome.options->log_format, LogFormat::kJson);
}

TEST(OptionsTest, AccessAndTlsFlags) {
  const auto outcome = ParseOptions(
      {"--auth", "strict", "--credentials", "/c", "--auth-dir=/a", "--control-token",
       "s3cret-token", "--tls", "self-signed", "--tls-dir", "/t"},
      {});
  ASSERT_TRUE(outcome.options.has_value()) << outcome.error;
  EXPECT_TRUE(outcome.options->access.strict);
  EXPECT_EQ(outcome.options->access.credentials_file, "/c");
  EXPECT_EQ(outcome.options->access.auth_dir, "/a");
  EXPECT_EQ(outcome.options->access.control_token, "s3cret-token");
  EXPECT_TRUE(outcome.options->tls.self_signed);
  EXPECT_TRUE(outcome.options->tls.enabled());
  EXPECT_EQ(outcome.options->tls.dir, "/t");

  const auto from_env = ParseOptions(
      {}, {{"SLUICE_AUTH", "strict"}, {"SLUICE_TLS_CERT", "/c.pem"}, {"SLUICE_TLS_KEY", "/k.pem"}});
  ASSERT_TRUE(from_env.options.has_value()) << from_env.error;
  EXPECT_TRUE(from_env.options->access.strict);
  EXPECT_TRUE(from_env.options->tls.enabled());
  EXPECT_FALSE(from_env.options->tls.self_signed);

  const auto defaults = ParseOptions({}, {});
  ASSERT_TRUE(defaults.options.has_value());
  EXPECT_FALSE(defaults.options->access.strict);
  EXPECT_FALSE(defaults.options->tls.enabled());
}

TEST(OptionsTest, AccessAndTlsMistakesAreRefused) {
  const struct {
    std::vector<std::string> args;
    const char* error;
  } cases[] = {
      {{"--auth", "on"}, "--auth must be off or strict"},
      {{"--tls", "yes"}, "--tls must be off or self-signed"},
      {{"--tls-cert", "/c.pem"}, "--tls-cert and --tls-key go together: give both"},
      {{"--tls-key", "/k.pem"}, "--tls-cert and --tls-key go together: give both"},
      {{"--tls", "self-signed", "--tls-cert", "/c", "--tls-key", "/k"},
       "--tls self-signed and --tls-cert are two ways to serve HTTPS: give one"},
      {{"--control-token", "short"}, "--control-token must be 8 to 256 characters"},
      {{"--control-token", "has;semicolon"},
       "--control-token must be printable ASCII without spaces, quotes, commas, semicolons or "
       "backslashes (it travels in a cookie)"},
      {{"--credentials", ""}, "--credentials needs a file"},
  };
  for (const auto& c : cases) {
    const auto outcome = ParseOptions(c.args, {});
    EXPECT_FALSE(outcome.options.has_value()) << c.error;
    EXPECT_EQ(outcome.error, c.error);
  }
}

TEST(OptionsTest, HelpAndVersion) {
  EXPECT_TRUE(ParseOptions({"--help"}, {}).options->show_help);
  EXPECT_TRUE(ParseOptions({"--version"}, {}).options->show_version);
  EXPECT_FALSE(ParseOptions({}, {}).options->healthcheck);
  const auto probe = ParseOptions({"--healthcheck", "--port", "4600"}, {{"SLUICE_HOST", "0.0.0.0"}});
  ASSERT_TRUE(probe.options.has_value()) << probe.error;
  EXPECT_TRUE(probe.options->healthcheck);
  EXPECT_EQ(probe.options->server.port, 4600);
  EXPECT_NE(HelpText().find("--port"), std::string::npos);
  EXPECT_NE(HelpText().find("SLUICE_PORT"), std::string::npos);
}

class BadOptionTest : public ::testing::TestWithParam<std::vector<std::string>> {};

TEST_P(BadOptionTest, IsRefusedWithAMessage) {
  const auto outcome = ParseOptions(GetParam(), {});
  EXPECT_FALSE(outcome.options.has_value());
  EXPECT_FALSE(outcome.error.empty());
}

INSTANTIATE_TEST_SUITE_P(
    Flags, BadOptionTest,
    ::testing::Values(std::vector<std::string>{"--port", "70000"},
                      std::vector<std::string>{"--port", "abc"}, std::vector<std::string>{"--port"},
                      std::vector<std::string>{"--threads", "0"},
                      std::vector<std::string>{"--log-level", "loud"},
                      std::vector<std::string>{"--log-format", "xml"},
                      std::vector<std::string>{"--default-account", "12345"},
                      std::vector<std::string>{"--body-limit", "10"},
                      std::vector<std::string>{"--max-pipelines", "0"},
                      std::vector<std::string>{"--control", "maybe"},
                      std::vector<std::string>{"--clock", "fast"},
                      std::vector<std::string>{"--clock", "manual", "--clock-start", "yesterday"},
                      // The system clock cannot be set.
                      std::vector<std::string>{"--clock-start", "2030-01-01T00:00:00Z"},
                      std::vector<std::string>{"--seed", "-1"},
                      std::vector<std::string>{"--init-dir", ""},
                      std::vector<std::string>{"--event-buffer", "0"},
                      std::vector<std::string>{"--event-target", "https://hooks.example/x"},
                      std::vector<std::string>{"--event-target", "hooks.example"},
                      std::vector<std::string>{"--event-target", "http://a/,"},
                      std::vector<std::string>{"--eventbridge-endpoint", "http://"},
                      std::vector<std::string>{"--eventbridge-bus", ""},
                      std::vector<std::string>{"--event-delivery-attempts", "0"},
                      std::vector<std::string>{"--no-such-flag"}));

TEST(OptionsTest, TestControlFlags) {
  const auto outcome =
      ParseOptions({"--clock", "manual", "--clock-start", "2030-01-02T03:04:05Z", "--seed", "42",
                    "--init-dir", "/init"},
                   {{"SLUICE_CONTROL", "off"}});
  ASSERT_TRUE(outcome.options.has_value()) << outcome.error;
  const Options& options = *outcome.options;
  EXPECT_FALSE(options.control);
  EXPECT_TRUE(options.manual_clock);
  ASSERT_TRUE(options.clock_start.has_value());
  EXPECT_EQ(options.clock_start->time_since_epoch().count(), 1'893'553'445'000);
  EXPECT_EQ(options.seed, 42U);
  EXPECT_EQ(options.init_dir, "/init");
  const auto defaults = ParseOptions({}, {});
  ASSERT_TRUE(defaults.options.has_value());
  EXPECT_TRUE(defaults.options->control);
  EXPECT_FALSE(defaults.options->manual_clock);
  EXPECT_FALSE(defaults.options->seed.has_value());
}

TEST(OptionsTest, EventFlags) {
  const auto outcome = ParseOptions(
      {"--event-target", "http://127.0.0.1:9000/hook", "--event-target", "http://b:1/",
       "--eventbridge-endpoint", "http://localhost:5000", "--event-buffer", "50",
       "--event-delivery-attempts", "3"},
      {{"SLUICE_EVENTBRIDGE_BUS", "ci"}, {"AWS_ACCESS_KEY_ID", "AKID"},
       {"AWS_SECRET_ACCESS_KEY", "secret"}});
  ASSERT_TRUE(outcome.options.has_value()) << outcome.error;
  const Options& options = *outcome.options;
  EXPECT_EQ(options.event_targets,
            (std::vector<std::string>{"http://127.0.0.1:9000/hook", "http://b:1/"}));
  EXPECT_EQ(options.eventbridge_endpoint, "http://localhost:5000");
  EXPECT_EQ(options.eventbridge_bus, "ci");
  EXPECT_EQ(options.event_buffer, 50U);
  EXPECT_EQ(options.event_delivery_attempts, 3);
  EXPECT_EQ(options.aws_access_key_id, "AKID");
  EXPECT_EQ(options.aws_secret_access_key, "secret");
  EXPECT_FALSE(options.aws_session_token.has_value());
  // The variable takes a list.
  const auto listed = ParseOptions({}, {{"SLUICE_EVENT_TARGET", "http://a:1/x,http://b:2/y"}});
  ASSERT_TRUE(listed.options.has_value()) << listed.error;
  EXPECT_EQ(listed.options->event_targets.size(), 2U);
  // Flags win: they replace the variable's list. An empty variable names none.
  const auto replaced = ParseOptions({"--event-target", "http://c:3/z"},
                                     {{"SLUICE_EVENT_TARGET", "http://a:1/x,http://b:2/y"}});
  ASSERT_TRUE(replaced.options.has_value()) << replaced.error;
  EXPECT_EQ(replaced.options->event_targets, (std::vector<std::string>{"http://c:3/z"}));
  const auto none = ParseOptions({}, {{"SLUICE_EVENT_TARGET", ""}});
  ASSERT_TRUE(none.options.has_value()) << none.error;
  EXPECT_TRUE(none.options->event_targets.empty());
  const auto defaults = ParseOptions({}, {});
  EXPECT_EQ(defaults.options->event_buffer, 10'000U);
  EXPECT_EQ(defaults.options->eventbridge_bus, "default");
  EXPECT_EQ(defaults.options->aws_access_key_id, "test");
}

TEST(OptionsTest, BadEnvironmentValueNamesTheVariable) {
  const auto outcome = ParseOptions({}, {{"SLUICE_PORT", "x"}});
  EXPECT_FALSE(outcome.options.has_value());
  EXPECT_NE(outcome.error.find("SLUICE_PORT"), std::string::npos);
}

}  // namespace
}  // namespace sluice::app
