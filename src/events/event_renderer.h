// The EventBridge events CodePipeline sends, rendered from the engine's
// changes (domain/engine/change_sink.h): the three detail-types, their states
// and their `detail` members as the user guide's "Monitoring CodePipeline
// events" shows them.
//
//   execution  began -> STARTED; Failed/Stopped -> InProgress -> RESUMED;
//              Stopping, Stopped, Succeeded, Superseded, Failed as their
//              upper-case names; Cancelled -> CANCELED (one L, as AWS spells it)
//   stage      the same, but for Superseded; Skipped sends nothing (AWS
//              documents no event for it)
//   action     began -> STARTED; Succeeded, Failed; Abandoned -> ABANDONED
//
// Pure functions of the change: no state, thread-safe.
#pragma once

#include <cstdint>
#include <optional>

#include "events/event.h"
#include "sluice/domain/engine/change_sink.h"

namespace sluice::events {

inline constexpr const char* kPipelineDetailType = "CodePipeline Pipeline Execution State Change";
inline constexpr const char* kStageDetailType = "CodePipeline Stage Execution State Change";
inline constexpr const char* kActionDetailType = "CodePipeline Action Execution State Change";
inline constexpr const char* kEventSource = "aws.codepipeline";

// The event for `change`, numbered `sequence`; none when AWS sends none.
std::optional<Event> RenderEvent(const domain::ExecutionChange& change, std::uint64_t sequence);
std::optional<Event> RenderEvent(const domain::StageChange& change, std::uint64_t sequence);
std::optional<Event> RenderEvent(const domain::ActionChange& change, std::uint64_t sequence);

// An event's id: a UUID that follows from its execution and its sequence, so
// that seeded ids (--seed) give the same event ids run after run.
std::string EventId(const Uuid& execution_id, std::uint64_t sequence);

}  // namespace sluice::events
