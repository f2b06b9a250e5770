// sluice: wires the layers together (store -> domain -> api -> protocol ->
// net), prints the address it listens on, and serves until SIGINT/SIGTERM.
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "app/healthcheck.h"
#include "app/options.h"
#include "sluice/api/execution_ops.h"
#include "sluice/api/operation_table.h"
#include "sluice/api/pipeline_ops.h"
#include "sluice/common/clock.h"
#include "sluice/common/logging.h"
#include "sluice/domain/execution_engine.h"
#include "sluice/domain/execution_service.h"
#include "sluice/domain/pipeline_service.h"
#include "sluice/net/server.h"
#include "sluice/protocol/aws_json_router.h"
#include "sluice/store/in_memory_pipeline_repository.h"
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

  SystemClock clock;
  store::InMemoryPipelineRepository repository;
  domain::PipelineService pipelines(repository, clock);
  domain::ExecutionEngine engine(clock, options.engine);
  domain::ExecutionService executions(repository, engine);
  api::OperationTable operations;
  api::RegisterPipelineOps(operations, pipelines, {&executions, options.start_on_create});
  api::RegisterExecutionOps(operations, executions);
  // The engine runs on its own thread, never on a request's.
  std::jthread engine_thread([&engine](std::stop_token stop) { engine.RunUntilStopped(stop); });
  auto router = std::make_shared<protocol::AwsJsonRouter>(
      operations, protocol::RouterOptions{options.default_account, options.default_region,
                                          std::string(kVersion), options.server.body_limit});

  net::Server server(options.server, router);
  if (auto status = server.Start(); !status) {
    std::cerr << "sluice: " << status.error().message() << "\n";
    return 1;
  }
  // One line on stdout with the address, for scripts and tests to read.
  std::cout << "sluice " << kVersion << " listening on " << server.address() << std::endl;
  server.Run();  // returns after SIGINT/SIGTERM and the drain
  Logger(kMainLogger)->info("stopped");
  return 0;
}
