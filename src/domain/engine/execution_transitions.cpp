// The one door for status changes. Every execution, stage run and action run
// changes status here: the change is held to the tables in engine_state.h,
// applied, stamped, logged with the execution's id and recorded for the
// change sink, in that order. Nothing else in the engine assigns a status.
// The records reach the sink after the lock is released (ChangeLock).
#include <cassert>
#include <type_traits>
#include <variant>
#include <spdlog/spdlog.h>

#include "engine_state.h"
#include "sluice/domain/engine/change_sink.h"

namespace sluice::domain {

namespace {

// When RetryStageExecution last ran a stage of `run` again, if it did: AWS
// reports it on every stage event after a retry.
template <typename Run>
std::optional<Clock::TimePoint> LatestRetry(const Run& run) {
  std::optional<Clock::TimePoint> latest;
  for (const StageRecord& stage : run.stages) {
    if (stage.last_retry && (!latest || *stage.last_retry > *latest)) latest = stage.last_retry;
  }
  return latest;
}

}  // namespace

ChangeContext ExecutionEngine::ContextOf(const Run& run) const {
  std::uint32_t attempt = 1;
  for (const StageRecord& stage : run.stages) attempt += stage.manual_retries;
  return {*run.scope,
          run.view,
          run.id,
          run.rollback(),
          clock_.Now(),
          run.start_time,
          run.trigger,
          attempt,
          run.extras ? run.extras->stop_reason : std::nullopt};
}

void ExecutionEngine::Record(Change change) const {
  if (changes_ == nullptr) return;
  pending_changes_.push_back(std::move(change));
  ++changes_recorded_;
}

void ExecutionEngine::FlushChanges() const {
  if (changes_ == nullptr) return;
  // Taken before the engine's lock and held while delivering: whoever drains
  // first delivers first, so the sink sees every change in the order made,
  // and a publisher mid-delivery finishes before this returns.
  MutexLock order(publish_mutex_);
  DeliverPending();
}

void ExecutionEngine::DeliverPending() const {
  std::vector<Change> batch;
  {
    MutexLock lock(mutex_);
    batch.swap(pending_changes_);
  }
  for (const Change& change : batch) {
    try {
      std::visit(
          [this](const auto& c) {
            using Kind = std::decay_t<decltype(c)>;
            if constexpr (std::is_same_v<Kind, ExecutionChange>) changes_->ExecutionChanged(c);
            if constexpr (std::is_same_v<Kind, StageChange>) changes_->StageChanged(c);
            if constexpr (std::is_same_v<Kind, ActionChange>) changes_->ActionChanged(c);
            if constexpr (std::is_same_v<Kind, RuntimeChange>) changes_->RuntimeChanged(c);
          },
          change);
    } catch (const std::exception& error) {
      // Runs from a lock's destructor: nothing may escape. A defect in a
      // consumer costs that consumer this change, not the server.
      log_->error("a change sink failed: {}", error.what());
    }
  }
}

void ExecutionEngine::RecordAction(const Run& run, const ActionRecord& action,
                                   std::optional<ActionStatus> from) const {
  if (changes_ == nullptr) return;
  const StageRecord& stage = run.stages.back();
  const auto position = static_cast<std::size_t>(&action - stage.actions.data());
  Record(ActionChange{ContextOf(run), stage.stage, action.action, from, action.status,
                      run.RenderAction(run.stages.size() - 1, position)});
}

void ExecutionEngine::Refused(const Run& run, std::string_view what, std::string_view from,
                              std::string_view to) const {
  // A move the tables do not allow is a defect in the engine: loud in debug
  // builds (the sanitizer suite runs one), logged and applied in a server.
  log_->error("execution {}: {} moved {} -> {}, which the status table does not allow",
              run.id_text(), what, from, to);
  assert(false && "a status change the tables in engine_state.h do not allow");
}

void ExecutionEngine::Began(Run& run) {
  if (log_->should_log(spdlog::level::debug)) {
    log_->debug("execution {} of {} began", run.id_text(), run.pipeline_name());
  }
  if (changes_ != nullptr) Record(ExecutionChange{ContextOf(run), std::nullopt, run.status});
}

void ExecutionEngine::Transition(Run& run, ExecutionStatus to) {
  const ExecutionStatus from = run.status;
  if (!CanMove(from, to)) Refused(run, "the execution", ToString(from), ToString(to));
  run.status = to;
  run.last_update_time = clock_.Now();
  if (log_->should_log(spdlog::level::debug)) {
    log_->debug("execution {} of {}: {} -> {}", run.id_text(), run.pipeline_name(),
                ToString(from), ToString(to));
  }
  if (changes_ != nullptr) Record(ExecutionChange{ContextOf(run), from, to});
}

void ExecutionEngine::Began(Run& run, const StageRecord& stage) {
  if (log_->should_log(spdlog::level::debug)) {
    log_->debug("execution {} entered stage {}", run.id_text(), run.StageOf(stage).name);
  }
  if (changes_ != nullptr) {
    Record(StageChange{ContextOf(run), stage.stage, std::nullopt, stage.status, LatestRetry(run)});
  }
}

void ExecutionEngine::Transition(Run& run, StageRecord& stage, StageStatus to) {
  const StageStatus from = stage.status;
  if (!CanMove(from, to)) Refused(run, "stage " + run.StageOf(stage).name, ToString(from), ToString(to));
  stage.status = to;
  if (log_->should_log(spdlog::level::debug)) {
    log_->debug("execution {} stage {}: {} -> {}", run.id_text(), run.StageOf(stage).name,
                ToString(from), ToString(to));
  }
  if (changes_ != nullptr) Record(StageChange{ContextOf(run), stage.stage, from, to, LatestRetry(run)});
}

void ExecutionEngine::Began(Run& run, const ActionRecord& action) {
  const StageRecord& stage = run.stages.back();
  if (log_->should_log(spdlog::level::debug)) {
    log_->debug("execution {} started action {} of stage {}", run.id_text(),
                run.ActionOf(stage, action).name, run.StageOf(stage).name);
  }
  RecordAction(run, action, std::nullopt);
}

void ExecutionEngine::Transition(Run& run, ActionRecord& action, ActionStatus to) {
  // Actions change only in the stage the execution is in.
  const StageRecord& stage = run.stages.back();
  const bool in_current_stage = &action >= stage.actions.data() &&
                                &action < stage.actions.data() + stage.actions.size();
  const ActionStatus from = action.status;
  if (!in_current_stage) {
    // Nothing about it can be named safely from the current stage's view.
    Refused(run, "an action outside the stage it is in", ToString(from), ToString(to));
    action.status = to;
    action.last_update_time = clock_.Now();
    return;
  }
  if (!CanMove(from, to)) {
    Refused(run, "action " + run.ActionOf(stage, action).name, ToString(from), ToString(to));
  }
  action.status = to;
  action.last_update_time = clock_.Now();
  if (log_->should_log(spdlog::level::debug)) {
    log_->debug("execution {} action {} of stage {}: {} -> {}", run.id_text(),
                run.ActionOf(stage, action).name, run.StageOf(stage).name, ToString(from),
                ToString(to));
  }
  RecordAction(run, action, from);
}

}  // namespace sluice::domain
