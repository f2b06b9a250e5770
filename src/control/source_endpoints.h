// The source-change controls (README "Triggers and webhooks"):
// POST /_sluice/sources/push, /pull-request, /s3, /ecr and /codecommit. Each
// reads what the source would report, hands it to triggers::SourceTriggers,
// and answers which pipelines started and why the others did not:
//   {"started": [{"pipeline", "pipelineExecutionId", "triggerType", "filter"?}],
//    "skipped": [{"pipeline", "reason"}]}
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>

#include "sluice/domain/pipeline/pipeline.h"
#include "triggers/source_triggers.h"

namespace sluice::control {

// `kind`: what follows /_sluice/sources/. Throws ControlError: 400 for a bad
// body (the field named), 404 for an unknown kind.
nlohmann::json HandleSourceChange(triggers::SourceTriggers& sources, std::string_view kind,
                                  const nlohmann::json& body, const domain::Scope& default_scope);

}  // namespace sluice::control
