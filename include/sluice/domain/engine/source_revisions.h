// What a source action reports when an execution starts: the revision it
// picked up (an override from StartPipelineExecution, or a generated one that
// looks real for the provider) and its output variables, per provider.
//
// Generated values come from a seed, so the engine keeps the seed and not the
// values: the same seed gives the same outcome on every read.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "sluice/common/clock.h"
#include "sluice/common/result.h"
#include "sluice/domain/engine/execution.h"
#include "sluice/domain/pipeline/pipeline_view.h"

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

// `created` is when the execution picked the revision up; `seed` gives the
// generated commit ids, digests, version ids and ETags.
SourceOutcome MakeSourceOutcome(const ActionView& action, const std::string& region,
                                const std::string& account_id,
                                const std::optional<std::string>& revision_type,
                                const std::optional<std::string>& revision_value,
                                Clock::TimePoint created, std::uint64_t seed);

// Lays what a trigger reported of a revision (SourceChange::details) over a
// generated outcome: each detail replaces the output variable of its name,
// and a CommitMessage (or an ECR ImageTag) the revision's summary too.
void ApplySourceDetails(const ActionView& action, const std::map<std::string, std::string>& details,
                        SourceOutcome& outcome);

// A random lower-case hex string of `length` characters.
std::string RandomHex(std::size_t length);

// Mixes `value` into `seed` (splitmix64): a seed for each part of an
// execution, from the execution's own.
std::uint64_t MixSeed(std::uint64_t seed, std::uint64_t value);

// Lower-case hex strings that look random and follow from a seed alone.
class HexStream {
 public:
  explicit HexStream(std::uint64_t seed) : state_(seed) {}
  std::string Next(std::size_t length);

 private:
  std::uint64_t state_;
};

}  // namespace sluice::domain
