#include "options.h"

#include <algorithm>
#include <charconv>
#include <functional>

#include "events/delivery/http_post.h"
#include "sluice/common/iso8601.h"

namespace sluice::app {

namespace {

struct Flag {
  const char* name;  // "--port"
  const char* env;   // "SLUICE_PORT"
  const char* help;
  std::function<std::optional<std::string>(Options&, const std::string&)> apply;  // error or nullopt
};

template <typename T>
std::optional<T> ParseNumber(const std::string& text, T low, T high) {
  T value{};
  const auto* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr != end || value < low || value > high) return std::nullopt;
  return value;
}

// "a,b,c" -> {"a", "b", "c"}: the items of a comma-separated list, empty
// ones included (each flag says why an empty one is wrong).
std::vector<std::string> SplitList(const std::string& text) {
  std::vector<std::string> items;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    items.push_back(text.substr(start, comma - start));
    start = comma + 1;
  }
  return items;
}

bool IsAccountId(const std::string& text) {
  if (text.size() != 12) return false;
  for (const char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

const std::vector<Flag>& Flags() {
  static const std::vector<Flag> flags = {
      {"--host", "SLUICE_HOST", "address to listen on (default 127.0.0.1; 0.0.0.0 for all)",
       [](Options& o, const std::string& v) -> std::optional<std::string> {
         if (v.empty()) return "--host needs an address";
         o.server.host = v;
         return std::nullopt;
       }},
      {"--port", "SLUICE_PORT", "TCP port (default 4599; 0 picks a free port)",
       [](Options& o, const std::string& v) -> std::optional<std::string> {
         const auto port = ParseNumber<unsigned>(v, 0, 65535);
         if (!port) return "--port must be a number from 0 to 65535";
         o.server.port = static_cast<std::uint16_t>(*port);
         return std::nullopt;
       }},
      {"--threads", "SLUICE_THREADS", "worker threads (default: one per core)",
       [](Options& o, const std::string& v) -> std::optional<std::string> {
         const auto threads = ParseNumber<unsigned>(v, 1, 256);
         if (!threads) return "--threads must be a number from 1 to 256";
         o.server.threads = *threads;
         return std::nullopt;
       }},
      {"--log-level", "SLUICE_LOG_LEVEL",
       "trace, debug, info, warn, error or off (default info)",
       [](Options& o, const std::string& v) -> std::optional<std::string> {
         if (v != "trace" && v != "debug" && v != "info" && v != "warn" && v != "error" &&
             v != "off") {
           return "--log-level must be trace, debug, info, warn, error or off";
         }
         o.log_level = v;
         return std::nullopt;
       }},
      {"--log-format", "SLUICE_LOG_FORMAT", "text or json (JSON lines) (default text)",
       [](Options& o, const std::string& v) -> std::optional<std::string> {
         if (v == "text") {
           o.log_format = LogFormat::kText;
         } else if (v == "json") {
           o.log_format = LogFormat::kJson;
         } else {
           return "--log-format must be text or json";
         }
         return std::nullopt;
       }},
      {"--default-account", "SLUICE_DEFAULT_ACCOUNT",
       "account for callers whose access key is not a 12-digit account id (default "
       "000000000000)",
       [](Options& o, const std::string& v) -> std::optional<std::string> {
         if (!IsAccountId(v)) return "--default-account must be 12 digits";
         o.default_account = v;
         return std::nullopt;
       }},
      {"--default-region", "SLUICE_DEFAULT_REGION",
       "region for unsigned requests (default us-east-1)",
       [](Options& o, const std::string& v) -> std::optional<std::string> {
         if (v.empty()) return "--default-region needs a region";
         o.default_region = v;
         return std::nullopt;
       }},
      {"--body-limit", "SLUICE_BODY_LIMIT", "largest request body in bytes (default 1048576)",
       [](Options& o, const std::string& v) -> std::optional<std::string> {
         const auto limit = ParseNumber<std::size_t>(v, 1024, std::size_t{1} << 30);
         if (!limit) return "--body-limit must be a number of bytes from 1024 to 1073741824";
         o.server.body_limit = *limit;
         return std::nullopt;
       }},
      {"--idle-timeout", "SLUICE_IDLE_TIMEOUT",
       "seconds a connection may stay silent mid-request or between requests (default 30)",
       [](Options& o, const std::string& v) -> std::optional<std::string> {
         const auto seconds = ParseNumber<unsigned>(v, 1, 86400);
         if (!seconds) return "--idle-timeout must be a number of seconds from 1 to 86400";
         o.server.idle_timeout = std::chrono::seconds(*seconds);
         return std::nullopt;
       }},
      {"--max-connections", "SLUICE_MAX_CONNECTIONS",
       "open connections served at once; more are refused with 503 (default 4096)",
       [](Options& o, const std::string& v) -> std::optional<std::string> {
         const auto count = ParseNumber<std::size_t>(v, 1, 1'000'000);
         if (!count) return "--max-connections must be a number from 1 to 1000000";
         o.server.max_connections = *count;
         return std::nullopt;
       }},
      {"--action-duration-ms", "SLUICE_ACTION_DURATION_MS",
       "how long a simulated action runs, in milliseconds (default 500)",
       [](Options& o, const std::string& v) -> std::optional<std::string> {
         const auto ms = ParseNumber<long>(v, 0, 86'400'000);
         if (!ms) return "--action-duration-ms must be a number from 0 to 86400000";
         o.engine.action_duration = std::chrono::milliseconds(*ms);
         return std::nullopt;
       }},
      {"--retained-executions", "SLUICE_RETAINED_EXECUTIONS",
       "finished executions kept per pipeline, oldest dropped first (default 100000)",
       [](Options& o, const std::string& v) -> std::optional<std::string> {
         const auto count = ParseNumber<std::size_t>(v, 1, 1'000'000);
         if (!count) return "--retained-executions must be a number from 1 to 1000000";
         o.engine.retained_executions = *count;
         return std::nullopt;
       }},
      {"--max-parallel-executions", "SLUICE_MAX_PARALLEL_EXECUTIONS",
       "executions in progress at once per PARALLEL pipeline (default 50)",
       [](Options& o, const std::string& v) -> std::optional<std::string> {
         const auto count = ParseNumber<std::size_t>(v, 1, 100'000);
         if (!count) return "--max-parallel-executions must be a number from 1 to 100000";
         o.engine.max_parallel_executions = *count;
         return std::nullopt;
       }},
      {"--max-queued-executions", "SLUICE_MAX_QUEUED_EXECUTIONS",
       "executions waiting to start per QUEUED pipeline (default 50)",
       [](Options& o, const std::string& v) -> std::optional<std::string> {
         const auto count = ParseNumber<std::size_t>(v, 1, 100'000);
         if (!count) return "--max-queued-executions must be a number from 1 to 100000";
         o.engine.max_queued_executions = *count;
         return std::nullopt;
       }},
      {"--approval-timeout-s", "SLUICE_APPROVAL_TIMEOUT_S",
       "seconds a manual approval waits when its action sets no timeoutInMinutes (default "
       "604800, AWS's 7 days)",
       [](Options& o, const std::string& v) -> std::optional<std::string> {
         const auto seconds = ParseNumber<long>(v, 1, 5'184'000);
         if (!seconds) return "--approval-timeout-s must be a number of seconds from 1 to 5184000";
         o.engine.approval_timeout = std::chrono::seconds(*seconds);
         return std::nullopt;
       }},
      {"--job-timeout-s", "SLUICE_JOB_TIMEOUT_S",
       "seconds a job worker has to finish a job (default 3600, AWS's 1 hour)",
       [](Options& o, const std::string& v) -> std::optional<std::string> {
         const auto seconds = ParseNumber<long>(v, 1, 5'184'000);
         if (!seconds) return "--job-timeout-s must be a number of seconds from 1 to 5184000";
         o.engine.job_timeout = std::chrono::seconds(*seconds);
         return std::nullopt;
       }},
      {"--external-providers", "SLUICE_EXTERNAL_PROVIDERS",
       "comma-separated AWS providers (e.g. CodeBuild,Lambda) whose actions become jobs for "
       "your own workers (PollForJobs with owner AWS) instead of being simulated",
       [](Options& o, const std::string& v) -> std::optional<std::string> {
         o.engine.external_providers.clear();
         for (const std::string& provider : SplitList(v)) {
           if (provider.empty()) return "--external-providers must list provider names, comma-separated";
           o.engine.external_providers.insert(provider);
         }
         return std::nullopt;
       }},
      {"--external-rule-result", "SLUICE_EXTERNAL_RULE_RESULT",
       "succeeded or failed: how condition rules that would ask an outside service "
       "(CloudWatchAlarm, LambdaInvoke, CodeBuild, Commands) resolve (default succeeded)",
       [](Options& o, const std::string& v) -> std::optional<std::string> {
         if (v != "succeeded" && v != "failed") {
           return "--external-rule-result must be succeeded or failed";
         }
         o.engine.external_rules_succeed = v == "succeeded";
         return std::nullopt;
       }},
      {"--max-pipelines", "SLUICE_MAX_PIPELINES",
       "pipelines per account and region, AWS's default quota (default 1000)",
       [](Options& o, const std::string& v) -> std::optional<std::string> {
         const auto count = ParseNumber<std::size_t>(v, 1, 10'000'000);
         if (!count) return "--max-pipelines must be a number from 1 to 10000000";
         o.pipelines.max_pipelines_per_scope = *count;
         return std::nullopt;
       }},
      {"--start-on-create", "SLUICE_START_ON_CREATE",
       "true or false: CreatePipeline starts a first execution, as in AWS (default true)",
       [](Options& o, const std::string& v) -> std::optional<std::string> {
         if (v != "true" && v != "false") return "--start-on-create must be true or false";
         o.start_on_create = v == "true";
         return std::nullopt;
       }},
      {"--control", "SLUICE_CONTROL",
       "on or off: the test controls under /_sluice/ (reset, outcomes, faults, clock, events) "
       "and the web console at /_sluice/ui/; off leaves only /_sluice/health (default on)",
       [](Options& o, const std::string& v) -> std::optional<std::string> {
         if (v != "on" && v != "off") return "--control must be on or off";
         o.control = v == "on";
         return std::nullopt;
       }},
      {"--clock", "SLUICE_CLOCK",
       "system or manual: with manual, time stands still until POST /_sluice/clock/advance "
       "(default system)",
       [](Options& o, const std::string& v) -> std::optional<std::string> {
         if (v != "system" && v != "manual") return "--clock must be system or manual";
         o.manual_clock = v == "manual";
         return std::nullopt;
       }},
      {"--clock-start", "SLUICE_CLOCK_START",
       "where a manual clock starts, ISO-8601 UTC like 2030-01-01T00:00:00Z (default: now)",
       [](Options& o, const std::string& v) -> std::optional<std::string> {
         const auto start = ParseIso8601(v);
         if (!start) return "--clock-start must be an ISO-8601 UTC time like 2030-01-01T00:00:00Z";
         o.clock_start = start;
         return std::nullopt;
       }},
      {"--seed", "SLUICE_SEED",
       "a number: every id and token sluice makes follows from it, so the same requests "
       "give the same ids (default: random ids)",
       [](Options& o, const std::string& v) -> std::optional<std::string> {
         const auto seed = ParseNumber<std::uint64_t>(v, 0, UINT64_MAX);
         if (!seed) return "--seed must be a number from 0 to 18446744073709551615";
         o.seed = seed;
         return std::nullopt;
       }},
      {"--init-dir", "SLUICE_INIT_DIR",
       "a directory whose *.json files (CreatePipeline, CreateCustomActionType or PutWebhook "
       "request bodies) are applied in name order before the server listens",
       [](Options& o, const std::string& v) -> std::optional<std::string> {
         if (v.empty()) return "--init-dir needs a directory";
         o.init_dir = v;
         return std::nullopt;
       }},
      {"--data-dir", "SLUICE_DATA_DIR",
       "a directory to keep every pipeline, execution and job in, so that they survive a "
       "restart or a kill -9 (default: none, in memory only)",
       [](Options& o, const std::string& v) -> std::optional<std::string> {
         if (v.empty()) return "--data-dir needs a directory";
         o.journal.dir = v;
         return std::nullopt;
       }},
      {"--sync", "SLUICE_SYNC",
       "always, batch or none: with --data-dir, whether an answer waits for its own fsync "
       "(always), for one it shares with concurrent requests (batch), or only for the write "
       "(none: survives a crash of sluice, not of the machine) (default batch)",
       [](Options& o, const std::string& v) -> std::optional<std::string> {
         const auto mode = persist::ParseSyncMode(v);
         if (!mode) return "--sync must be always, batch or none";
         o.journal.sync = *mode;
         return std::nullopt;
       }},
      {"--snapshot-after", "SLUICE_SNAPSHOT_AFTER",
       "with --data-dir, the journal size in bytes past which a snapshot is written in the "
       "background and older journal files are removed (default 67108864)",
       [](Options& o, const std::string& v) -> std::optional<std::string> {
         const auto bytes = ParseNumber<std::uint64_t>(v, 4096, std::uint64_t{1} << 40);
         if (!bytes) return "--snapshot-after must be a number of bytes from 4096 to 1099511627776";
         o.journal.snapshot_after = *bytes;
         return std::nullopt;
       }},
      {"--auth", "SLUICE_AUTH",
       "off or strict: whether every AWS request must carry a valid SigV4 signature made "
       "with a key of --credentials (default off: signatures are not checked)",
       [](Options& o, const std::string& v) -> std::optional<std::string> {
         if (v != "off" && v != "strict") return "--auth must be off or strict";
         o.access.strict = v == "strict";
         return std::nullopt;
       }},
      {"--credentials", "SLUICE_CREDENTIALS",
       "with --auth strict, an AWS shared-credentials file of the keys that may call, each "
       "profile in the account of its aws_account_id (default: one key generated at start)",
       [](Options& o, const std::string& v) -> std::optional<std::string> {
         if (v.empty()) return "--credentials needs a file";
         o.access.credentials_file = v;
         return std::nullopt;
       }},
      {"--auth-dir", "SLUICE_AUTH_DIR",
       "where --auth strict writes the key it generates (credentials, config) and the control "
       "token, and reads them back on the next start (default: --data-dir, else a new "
       "directory under $TMPDIR)",
       [](Options& o, const std::string& v) -> std::optional<std::string> {
         if (v.empty()) return "--auth-dir needs a directory";
         o.access.auth_dir = v;
         return std::nullopt;
       }},
      {"--control-token", "SLUICE_CONTROL_TOKEN",
       "a secret that every /_sluice/ request but health and the console's files must carry "
       "(X-Sluice-Control-Token header or sluice_control_token cookie) (default: none, or "
       "generated under --auth strict)",
       [](Options& o, const std::string& v) -> std::optional<std::string> {
         if (v.size() < 8 || v.size() > 256) return "--control-token must be 8 to 256 characters";
         for (const char c : v) {
           if (c <= ' ' || c > '~' || c == ';' || c == ',' || c == '"' || c == '\\') {
             return "--control-token must be printable ASCII without spaces, quotes, commas, "
                    "semicolons or backslashes (it travels in a cookie)";
           }
         }
         o.access.control_token = v;
         return std::nullopt;
       }},
      {"--tls", "SLUICE_TLS",
       "off or self-signed: serve HTTPS with a certificate for localhost made at start and "
       "written to --tls-dir (default off; --tls-cert and --tls-key serve your own)",
       [](Options& o, const std::string& v) -> std::optional<std::string> {
         if (v != "off" && v != "self-signed") return "--tls must be off or self-signed";
         o.tls.self_signed = v == "self-signed";
         return std::nullopt;
       }},
      {"--tls-cert", "SLUICE_TLS_CERT", "a PEM certificate (chain) to serve HTTPS with; needs --tls-key",
       [](Options& o, const std::string& v) -> std::optional<std::string> {
         if (v.empty()) return "--tls-cert needs a file";
         o.tls.cert_file = v;
         return std::nullopt;
       }},
      {"--tls-key", "SLUICE_TLS_KEY", "the PEM private key of --tls-cert",
       [](Options& o, const std::string& v) -> std::optional<std::string> {
         if (v.empty()) return "--tls-key needs a file";
         o.tls.key_file = v;
         return std::nullopt;
       }},
      {"--tls-dir", "SLUICE_TLS_DIR",
       "where --tls self-signed writes cert.pem and key.pem (default: as --auth-dir)",
       [](Options& o, const std::string& v) -> std::optional<std::string> {
         if (v.empty()) return "--tls-dir needs a directory";
         o.tls.dir = v;
         return std::nullopt;
       }},
      {"--event-buffer", "SLUICE_EVENT_BUFFER",
       "how many of the latest events GET /_sluice/events and the stream can still read "
       "(default 10000)",
       [](Options& o, const std::string& v) -> std::optional<std::string> {
         const auto count = ParseNumber<std::size_t>(v, 1, 10'000'000);
         if (!count) return "--event-buffer must be a number from 1 to 10000000";
         o.event_buffer = *count;
         return std::nullopt;
       }},
      {"--event-target", "SLUICE_EVENT_TARGET",
       "an http:// URL to POST each event to as JSON; repeatable, or a comma-separated list "
       "(flags replace the variable's list)",
       [](Options& o, const std::string& v) -> std::optional<std::string> {
         if (v.empty()) return std::nullopt;  // none
         for (const std::string& url : SplitList(v)) {
           std::string why;
           if (!events::delivery::ParseTargetUrl(url, &why)) {
             return "--event-target must be an http:// URL: '" + url + "' " + why;
           }
           o.event_targets.push_back(url);
         }
         return std::nullopt;
       }},
      {"--eventbridge-endpoint", "SLUICE_EVENTBRIDGE_ENDPOINT",
       "an http:// URL of a local EventBridge (e.g. moto's server): each event is sent there "
       "with PutEvents",
       [](Options& o, const std::string& v) -> std::optional<std::string> {
         std::string why;
         if (!events::delivery::ParseTargetUrl(v, &why)) {
           return "--eventbridge-endpoint must be an http:// URL: '" + v + "' " + why;
         }
         o.eventbridge_endpoint = v;
         return std::nullopt;
       }},
      {"--public-url", "SLUICE_PUBLIC_URL",
       "where clients reach sluice, e.g. http://localhost:4599 for a container behind a "
       "published port: the start of the webhook URLs PutWebhook hands out (default: http:// "
       "and the Host each request names)",
       [](Options& o, const std::string& v) -> std::optional<std::string> {
         std::string url = v;
         while (!url.empty() && url.back() == '/') url.pop_back();
         const bool scheme = url.starts_with("http://") || url.starts_with("https://");
         const std::size_t host = url.find("://") + 3;
         if (!scheme || url.size() <= host ||
             url.find_first_of(" \t\"'<>?#", 0) != std::string::npos) {
           return "--public-url must be an http:// or https:// URL with a host and no query: '" +
                  v + "'";
         }
         o.public_url = url;
         return std::nullopt;
       }},
      {"--eventbridge-bus", "SLUICE_EVENTBRIDGE_BUS",
       "the event bus PutEvents names (default: the bus called \"default\")",
       [](Options& o, const std::string& v) -> std::optional<std::string> {
         if (v.empty() || v.size() > 256) return "--eventbridge-bus must be a bus name or ARN of 1 to 256 characters";
         o.eventbridge_bus = v;
         return std::nullopt;
       }},
      {"--event-delivery-attempts", "SLUICE_EVENT_DELIVERY_ATTEMPTS",
       "sends of one event to a target, with backoff from 0.1 s doubling to 5 s, before it is "
       "dropped and counted in /_sluice/health (default 8)",
       [](Options& o, const std::string& v) -> std::optional<std::string> {
         const auto attempts = ParseNumber<int>(v, 1, 100);
         if (!attempts) return "--event-delivery-attempts must be a number from 1 to 100";
         o.event_delivery_attempts = *attempts;
         return std::nullopt;
       }},
  };
  return flags;
}

}  // namespace

ParseOutcome ParseOptions(const std::vector<std::string>& args,
                          const std::map<std::string, std::string>& env) {
  Options options;
  // Environment first, so that flags override it.
  for (const Flag& flag : Flags()) {
    if (const auto it = env.find(flag.env); it != env.end()) {
      if (auto error = flag.apply(options, it->second)) {
        return {std::nullopt, *error + " (from " + flag.env + ")"};
      }
    }
  }
  // A list flag given on the command line replaces its variable's list.
  const std::vector<std::string> env_event_targets = std::move(options.event_targets);
  options.event_targets.clear();
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--help" || arg == "-h") {
      options.show_help = true;
      continue;
    }
    if (arg == "--version") {
      options.show_version = true;
      continue;
    }
    if (arg == "--healthcheck") {
      options.healthcheck = true;
      continue;
    }
    if (arg == "--recover-truncate") {
      options.journal.recover_truncate = true;
      continue;
    }
    std::string name = arg;
    std::optional<std::string> value;
    if (const auto eq = arg.find('='); eq != std::string::npos) {
      name = arg.substr(0, eq);
      value = arg.substr(eq + 1);
    }
    const Flag* flag = nullptr;
    for (const Flag& candidate : Flags()) {
      if (name == candidate.name) flag = &candidate;
    }
    if (flag == nullptr) return {std::nullopt, "unknown option '" + arg + "' (see --help)"};
    if (!value) {
      if (i + 1 >= args.size()) return {std::nullopt, name + " needs a value"};
      value = args[++i];
    }
    if (auto error = flag->apply(options, *value)) return {std::nullopt, *error};
  }
  if (options.event_targets.empty()) options.event_targets = env_event_targets;
  // PutEvents is signed as AWS SDKs sign: with the environment's credentials.
  if (const auto it = env.find("AWS_ACCESS_KEY_ID"); it != env.end()) options.aws_access_key_id = it->second;
  if (const auto it = env.find("AWS_SECRET_ACCESS_KEY"); it != env.end()) {
    options.aws_secret_access_key = it->second;
  }
  if (const auto it = env.find("AWS_SESSION_TOKEN"); it != env.end()) options.aws_session_token = it->second;
  if (options.tls.cert_file.empty() != options.tls.key_file.empty()) {
    return {std::nullopt, "--tls-cert and --tls-key go together: give both"};
  }
  if (options.tls.self_signed && !options.tls.cert_file.empty()) {
    return {std::nullopt, "--tls self-signed and --tls-cert are two ways to serve HTTPS: give one"};
  }
  if (options.clock_start && !options.manual_clock) {
    return {std::nullopt, "--clock-start needs --clock manual: the system clock cannot be set"};
  }
  return {options, {}};
}

std::string HelpText() {
  std::string text =
      "Usage: sluice [options]\n"
      "A local emulator of the AWS CodePipeline API (AWS JSON 1.1 over HTTP).\n\n"
      "Options (each also read from the environment variable shown; flags win):\n";
  for (const Flag& flag : Flags()) {
    std::string left = "  " + std::string(flag.name) + " VALUE";
    left.resize(std::max<std::size_t>(left.size() + 2, 26), ' ');
    text += left + flag.help + "  [" + flag.env + "]\n";
  }
  text +=
      "  --healthcheck           ask the sluice at --host/--port for its health; exit 0 if\n"
      "                          healthy, 1 if not (for container health checks)\n"
      "  --recover-truncate      with --data-dir: start even when a journal is damaged in\n"
      "                          the middle, keeping what precedes the damage\n"
      "  --version               print the version and exit\n"
      "  -h, --help              print this help and exit\n";
  return text;
}

}  // namespace sluice::app
