// Fuzzes what every operation does with its JSON. The first byte picks one of
// the model's 44 operations (in model::Operations() order, modulo their
// count); the rest is the request body. The body is decoded as the router
// decodes it (protocol/json_body.h), then run through OperationTable::Invoke:
// the model-driven validator, the operation's decoder and, where the
// operation is implemented, the operation itself over the real services
// (app::Services). Every outcome is checked (invariants.h).
//
// The operation runs against a small existing pipeline, "my-pipeline" (the
// name tests/unit/data/validation_cases.json uses), with one finished
// execution, so that reads, updates and starts find something. After a
// successful call that changes state, the engine runs until nothing is due
// and every pipeline is read back through the read operations: the engine
// and the response encoders see what fuzzed declarations and starts produce.
//
// Everything is built afresh for each input (a crash replays from its input
// alone; nothing accumulates over a run), over a FakeClock that the fuzzer
// moves itself: no thread is started and no time is waited.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "app/options.h"
#include "app/services.h"
#include "invariants.h"
#include "protocol/json_body.h"
#include "sluice/api/model.h"
#include "sluice/common/clock.h"
#include "support/pipelines.h"

namespace {

using namespace sluice;
using nlohmann::json;

constexpr std::string_view kFixturePipeline = "my-pipeline";

const api::CallContext& Caller() {
  static const api::CallContext caller{"fuzz", "000000000000", "us-east-1", "", ""};
  return caller;
}

// Invokes one operation as the router would after decoding, and checks the
// outcome. An exception out of Invoke would be the router's 500
// InternalFailure, so it is left to end the run.
Result<std::string> Call(app::Services& services, const model::Operation& operation,
                         const json& input) {
  auto outcome = services.operations().Invoke(Caller(), operation, input);
  fuzz::RequireOperationOutcome(outcome, services.operations().IsImplemented(operation.name));
  return outcome;
}

Result<std::string> Call(app::Services& services, std::string_view operation, const json& input) {
  return Call(services, *model::FindOperation(operation), input);
}

// Moves the clock from one due action to the next until nothing is due
// (a manual approval waits for ever, so it ends the loop too).
void RunEngineToRest(FakeClock& clock, domain::ExecutionEngine& engine) {
  // A bound for safety only: 50 stages of 100 actions, each in its own
  // runOrder, would take 5000 steps; a fuzzed input is far smaller.
  constexpr int kMaxSteps = 10'000;
  for (int step = 0; step < kMaxSteps; ++step) {
    const auto next = engine.NextDue();
    if (!next) return;
    if (*next > clock.Now()) clock.Advance(*next - clock.Now());
    engine.Advance();
  }
}

// The operations after which there is something new to read back.
bool ChangesState(const model::Operation& operation) {
  return operation.name == "CreatePipeline" || operation.name == "UpdatePipeline" ||
         operation.name == "StartPipelineExecution" || operation.name == "DeletePipeline";
}

// Reads every pipeline back, as a client watching them would.
void ReadEverythingBack(app::Services& services) {
  const auto listed = Call(services, "ListPipelines", json::object());
  fuzz::Require(listed.ok(), "ListPipelines succeeds", listed.ok() ? "" : listed.error().message());
  const json page = json::parse(listed.value());
  for (const json& summary : page["pipelines"]) {
    const json name = summary["name"];
    (void)Call(services, "GetPipeline", {{"name", name}});
    (void)Call(services, "GetPipelineState", {{"name", name}});
    (void)Call(services, "ListPipelineExecutions", {{"pipelineName", name}});
    (void)Call(services, "ListActionExecutions", {{"pipelineName", name}});
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const auto operations = model::Operations();
  const model::Operation& operation = operations[data[0] % operations.size()];
  const std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);

  // The options `sluice` runs with when given no flags.
  static const app::Options options = *app::ParseOptions({}, {}).options;
  FakeClock clock;
  app::Services services(clock, options);
  // Parsed once: building it from text for every input would cost more than the call.
  static const json fixture_declaration = testing::TwoStagePipeline(std::string(kFixturePipeline));
  const auto fixture = Call(services, "CreatePipeline", {{"pipeline", fixture_declaration}});
  fuzz::Require(fixture.ok(), "the fixture pipeline is created",
                fixture.ok() ? "" : fixture.error().message());
  RunEngineToRest(clock, services.engine());

  const auto input = protocol::ParseJsonBody(body);
  if (!input) {
    fuzz::Require(input.error().code() == ErrorCode::kSerialization,
                  "a body that does not decode is a SerializationException",
                  input.error().message());
    return 0;
  }
  if (!Call(services, operation, *input).ok() || !ChangesState(operation)) return 0;
  RunEngineToRest(clock, services.engine());
  ReadEverythingBack(services);
  return 0;
}
