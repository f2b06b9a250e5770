// What a source action reports when an execution starts: the revision it
// picked up (an override from StartPipelineExecution, or a generated one that
// looks real for the provider) and its output variables, per provider.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "sluice/common/clock.h"
#include "sluice/common/result.h"
#include "sluice/domain/execution.h"
#include "sluice/domain/pipeline_view.h"

namespace sluice::domain {

struct SourceOutcome {
  ArtifactRevision revision;
  std::string action_summary;  // the source action's execution summary
  std::map<std::string, std::string> output_variables;
};

// Whether `revision_type` may override `action`'s revision: COMMIT_ID for
// CodeCommit, CodeStarSourceConnection and GitHub; IMAGE_DIGEST for ECR;
// S3_OBJECT_VERSION_ID for S3, and S3_OBJECT_KEY where the action allows it.
Status CheckRevisionType(const ActionView& action, std::string_view revision_type);

SourceOutcome MakeSourceOutcome(const ActionView& action, const std::string& region,
                                const std::string& account_id,
                                const std::optional<std::string>& revision_type,
                                const std::optional<std::string>& revision_value,
                                Clock::TimePoint now);

// A random lower-case hex string of `length` characters.
std::string RandomHex(std::size_t length);

}  // namespace sluice::domain
