// sluice: wires the layers together (app::Services: store -> domain -> api;
// then protocol -> net), prints the address it listens on, and serves until
// SIGINT/SIGTERM.
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "app/access_setup.h"
#include "app/data_dir.h"
#include "app/durable_handler.h"
#include "app/healthcheck.h"
#include "app/init_dir.h"
#include "app/options.h"
#include "app/services.h"
#include "control/console_endpoint.h"
#include "control/control_json.h"
#include "sluice/common/clock.h"
#include "sluice/common/ids.h"
#include "sluice/common/logging.h"
#include "sluice/net/server.h"
#include "sluice/protocol/aws_json_router.h"
#include "sluice/version.h"

extern char** environ;

namespace {

std::map<std::string, std::string> Environment() {
  std::map<std::string, std::string> env;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const std::string text(*entry);
    const auto eq = text.find('=');
    if (eq != std::string::npos && text.rfind("SLUICE_", 0) == 0) {
      env.emplace(text.substr(0, eq), text.substr(eq + 1));
    }
  }
  return env;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace sluice;
  const auto parsed = app::ParseOptions(std::vector<std::string>(argv + 1, argv + argc),
                                        Environment());
  if (!parsed.options) {
    std::cerr << "sluice: " << parsed.error << "\n";
    return 2;
  }
  const app::Options& options = *parsed.options;
  if (options.show_help) {
    std::cout << app::HelpText();
    return 0;
  }
  if (options.show_version) {
    std::cout << "sluice " << kVersion << "\n";
    return 0;
  }
  if (options.healthcheck) return app::RunHealthcheck(options);
  SetupLogging(spdlog::level::from_str(options.log_level), options.log_format);

  if (options.seed) SeedIds(*options.seed);

  SystemClock system_clock;
  // --clock manual: time stands still until a test moves it.
  std::optional<FakeClock> manual_clock;
  if (options.manual_clock) manual_clock.emplace(options.clock_start.value_or(system_clock.Now()));
  const Clock& clock = manual_clock ? static_cast<const Clock&>(*manual_clock) : system_clock;
  app::Services services(clock, options, manual_clock ? &*manual_clock : nullptr);
  // --data-dir: what it holds is loaded, and every change from here on kept.
  std::unique_ptr<persist::StateJournal> journal;
  bool held_state = false;
  if (!options.journal.dir.empty()) {
    std::string error;
    journal = app::OpenDataDir(options, services, held_state, error);
    if (!journal) {
      std::cerr << "sluice: " << error << "\n";
      return 1;
    }
  }
  // A data directory that holds state wins over --init-dir.
  if (!options.init_dir.empty() && !held_state) {
    const auto load_state = [&services](const nlohmann::json& document) -> std::optional<std::string> {
      try {
        services.control().LoadState(document);
        return std::nullopt;
      } catch (const control::ControlError& error) {
        return error.message;
      }
    };
    const auto applied = app::ApplyInitDir(options.init_dir, services.operations(), load_state,
                                           options.default_account, options.default_region);
    if (!applied) {
      std::cerr << "sluice: --init-dir " << applied.error().message() << "\n";
      return 2;
    }
    if (journal && !app::FlushJournal(*journal)) return 1;
  }
  // The engine runs on its own thread, never on a request's. On a manual
  // clock nothing falls due by itself: the clock controls advance the engine.
  std::jthread engine_thread;
  if (!manual_clock) {
    engine_thread = std::jthread(
        [&engine = services.engine()](std::stop_token stop) { engine.RunUntilStopped(stop); });
  }
  // Who may call, and over what: keys, control token, TLS.
  auto access = app::SetUpAccess(options, std::cerr);
  if (!access) {
    std::cerr << "sluice: " << access.error().message() << "\n";
    return 2;
  }
  if (!options.access.strict && !options.access.credentials_file.empty()) {
    std::cerr << "sluice: --credentials is read only with --auth strict; signatures are not "
                 "checked\n";
  }
  protocol::RouterOptions router_options = app::RouterOptionsFor(options);
  router_options.verifier = access->verifier;
  router_options.control_token = access->control_token;
  std::shared_ptr<net::RequestHandler> router = std::make_shared<protocol::AwsJsonRouter>(
      services.operations(), std::move(router_options), services.control_hooks());
  // Nothing is acknowledged before it is in the journal.
  if (journal) router = std::make_shared<app::DurableHandler>(router, *journal);

  net::ServerOptions server_options = options.server;
  server_options.tls = access->tls;
  net::Server server(std::move(server_options), router);
  if (auto status = server.Start(); !status) {
    std::cerr << "sluice: " << status.error().message() << "\n";
    return 1;
  }
  // One line on stdout with the address, for scripts and tests to read.
  std::cout << "sluice " << kVersion << " listening on " << server.address() << std::endl;
  // A log line on stderr, since stdout keeps its one line.
  if (options.control) {
    Logger(kMainLogger)->info("web console at {}{}", server.address(), control::kConsolePath);
  }
  server.Run();  // returns after SIGINT/SIGTERM and the drain
  // No engine step after the server is gone: none may publish an event to a
  // reader whose connection the server owned.
  if (engine_thread.joinable()) {
    engine_thread.request_stop();
    engine_thread.join();
  }
  if (journal) journal->Stop();  // what the last steps changed, written and synced
  Logger(kMainLogger)->info("stopped");
  return 0;
}
