// Command-line flags and SLUICE_* environment variables, flags winning.
// Parsing is a pure function so that it is unit-tested without a process.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sluice/common/clock.h"
#include "sluice/common/logging.h"
#include "sluice/domain/engine/execution_engine.h"
#include "sluice/domain/pipeline/pipeline_service.h"
#include "persist/journal_options.h"
#include "sluice/net/server.h"

namespace sluice::app {

// Who may call (README "Who may call").
struct AccessOptions {
  bool strict = false;            // --auth strict: every AWS request signed with a known key
  std::string credentials_file;   // --credentials: the keys; none: generated in auth_dir
  std::string auth_dir;           // --auth-dir: where generated keys and the token go
  std::string control_token;      // --control-token: guards /_sluice/ (generated under strict)
};

// HTTPS (README "HTTPS").
struct TlsOptions {
  bool self_signed = false;  // --tls self-signed: a certificate made at start
  std::string cert_file;     // --tls-cert
  std::string key_file;      // --tls-key
  std::string dir;           // --tls-dir: where the self-signed files go
  bool enabled() const { return self_signed || !cert_file.empty(); }
};

struct Options {
  net::ServerOptions server;
  std::string log_level = "info";
  LogFormat log_format = LogFormat::kText;
  std::string default_account = "000000000000";
  std::string default_region = "us-east-1";
  domain::EngineOptions engine;
  domain::PipelineServiceLimits pipelines;
  bool start_on_create = true;
  // Test controls (README "Test controls").
  bool control = true;            // --control off: only /_sluice/health answers
  bool manual_clock = false;      // --clock manual: time moves when a test says so
  std::optional<Clock::TimePoint> clock_start;  // where a manual clock starts
  std::optional<std::uint64_t> seed;            // --seed: ids follow from it
  std::string init_dir;           // --init-dir: applied at start
  persist::JournalOptions journal;  // --data-dir and how it is kept (dir empty: in memory)
  AccessOptions access;
  TlsOptions tls;
  std::string public_url;         // --public-url: webhook URLs start with it (no trailing /)
  // Events (README "Events").
  std::size_t event_buffer = 10'000;         // events held for readers
  std::vector<std::string> event_targets;    // --event-target: POST each event here
  std::string eventbridge_endpoint;          // --eventbridge-endpoint: PutEvents here
  std::string eventbridge_bus = "default";
  int event_delivery_attempts = 8;           // sends of one event before it is dropped
  // What PutEvents is signed with: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY
  // and AWS_SESSION_TOKEN from the environment ("test"/"test" without them).
  std::string aws_access_key_id = "test";
  std::string aws_secret_access_key = "test";
  std::optional<std::string> aws_session_token;
  bool show_help = false;
  bool show_version = false;
  bool healthcheck = false;  // --healthcheck: probe a running server and exit
};

struct ParseOutcome {
  std::optional<Options> options;  // nullopt on error
  std::string error;               // what was wrong, for stderr
};

// `args` excludes the program name; `env` maps variable names to values.
ParseOutcome ParseOptions(const std::vector<std::string>& args,
                          const std::map<std::string, std::string>& env);

std::string HelpText();

}  // namespace sluice::app
