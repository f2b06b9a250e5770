// StateSource: what the journal reads of the state it keeps, in the state
// document's own forms (GET /_sluice/state). The journal knows those forms,
// not the parts behind them; app/ implements this over the running services.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

#include "sluice/common/state_marks.h"

namespace sluice::persist {

class StateSource {
 public:
  virtual ~StateSource() = default;
  // One pipeline, what was asked of it: {"pipeline": its entry of the
  // document's "pipelines" or null} for the declaration, {"runtime":
  // ExecutionEngine::JournalRuntime() or null} for the executions.
  virtual nlohmann::json JournalPipeline(std::string_view account, std::string_view region,
                                         std::string_view name, bool declaration, bool executions) = 0;
  // One small section, whole: the document's member of that name.
  virtual nlohmann::json Section(StateSection section) = 0;
  // {"clock": ..., "ids": ..., "next_job_sequence": n}: what moves on its own.
  virtual nlohmann::json Globals() = 0;
  // The whole document but its events, taken part by part so that no
  // request waits for all of it.
  virtual nlohmann::json Document() = 0;
};

// The document member that holds `section`.
const char* SectionName(StateSection section);

}  // namespace sluice::persist
