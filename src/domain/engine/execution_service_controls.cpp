// ExecutionService's operations on executions in flight: they resolve the
// pipeline (and its stage and action) as AWS does, then hand over to the
// engine, which owns every state change.
#include <algorithm>

#include "domain/page_token.h"
#include "sluice/domain/errors.h"
#include "sluice/domain/engine/execution_service.h"

namespace sluice::domain {

Result<std::shared_ptr<const PipelineView>> ExecutionService::ViewWithStage(
    const Scope& scope, std::string_view pipeline, std::string_view stage) const {
  auto view = LatestView(scope, pipeline);
  if (!view) return view.error();
  if (!(*view)->StageIndex(stage)) return StageNotFound(pipeline, stage);
  return view;
}

Status ExecutionService::Stop(const Scope& scope, std::string_view pipeline,
                              std::string_view execution_id, bool abandon, std::string reason) {
  if (auto view = LatestView(scope, pipeline); !view) return view.error();
  return engine_.Stop(scope, pipeline, execution_id, abandon, std::move(reason));
}

Status ExecutionService::Retry(const Scope& scope, std::string_view pipeline,
                               std::string_view stage, std::string_view execution_id,
                               RetryMode mode) {
  auto view = ViewWithStage(scope, pipeline, stage);
  if (!view) return view.error();
  // User guide, "Configuring stage retry": a stage cannot be retried when
  // "the overall pipeline structure changed after the stage failed".
  if (const auto execution =
          engine_.Find(scope, pipeline, execution_id, ExecutionDetail::kSummary);
      execution && execution->pipeline_version != (*view)->version) {
    return StageNotRetryable(stage, execution->id,
                             "the execution ran version " +
                                 std::to_string(execution->pipeline_version) +
                                 " of the pipeline, which is now at version " +
                                 std::to_string((*view)->version));
  }
  return engine_.Retry(scope, pipeline, stage, execution_id, mode);
}

Status ExecutionService::SetTransition(const Scope& scope, std::string_view pipeline,
                                       std::string_view stage, TransitionKind kind,
                                       std::optional<TransitionBlock> block) {
  auto view = ViewWithStage(scope, pipeline, stage);
  if (!view) return view.error();
  engine_.SetTransition(scope, **view, stage, kind, std::move(block));
  return Ok{};
}

Result<Clock::TimePoint> ExecutionService::Answer(const Scope& scope, std::string_view pipeline,
                                                  std::string_view stage, std::string_view action,
                                                  const ApprovalAnswer& answer) {
  auto view = ViewWithStage(scope, pipeline, stage);
  if (!view) return view.error();
  if (!(*view)->DeclaresAction(stage, action)) return ActionNotFound(stage, action);
  return engine_.Answer(scope, pipeline, stage, action, answer);
}

Result<std::pair<std::string, bool>> ExecutionService::PutActionRevision(
    const Scope& scope, std::string_view pipeline, std::string_view stage, std::string_view action,
    std::string revision, ExecutionTrigger trigger) {
  auto view = ViewWithStage(scope, pipeline, stage);
  if (!view) return view.error();
  if ((*view)->FindSourceAction(action) == nullptr || (*view)->stages.front().name != stage) {
    if (!(*view)->DeclaresAction(stage, action)) return ActionNotFound(stage, action);
    return ServiceError::Validation("Action '" + std::string(action) +
                                    "' is not a source action; only source actions take a revision");
  }
  // Summaries carry the source revisions and render no stage runs.
  ExecutionFilter summaries;
  summaries.detail = ExecutionDetail::kSummary;
  for (const PipelineExecution& execution : engine_.List(scope, pipeline, summaries)) {
    for (const SourceRevision& source : execution.source_revisions) {
      if (source.action_name == action && source.revision_id == revision) {
        return std::make_pair(execution.id, false);
      }
    }
  }
  StartRequest request;
  request.trigger = std::move(trigger);
  request.action_revision = std::make_pair(std::string(action), std::move(revision));
  auto id = engine_.Start(scope, std::move(*view), std::move(request));
  if (!id) return id.error();
  return std::make_pair(std::move(*id), true);
}

Result<std::string> ExecutionService::Rollback(const Scope& scope, std::string_view pipeline,
                                               std::string_view stage, std::string_view target_id,
                                               ExecutionTrigger trigger) {
  auto view = ViewWithStage(scope, pipeline, stage);
  if (!view) return view.error();
  return engine_.Rollback(scope, std::move(*view), stage, target_id, std::move(trigger));
}

Status ExecutionService::OverrideCondition(const Scope& scope, std::string_view pipeline,
                                           std::string_view stage, std::string_view execution_id,
                                           ConditionKind kind) {
  if (auto view = ViewWithStage(scope, pipeline, stage); !view) return view.error();
  return engine_.OverrideCondition(scope, pipeline, stage, execution_id, kind);
}

Result<RuleExecutionPage> ExecutionService::ListRules(const Scope& scope, std::string_view pipeline,
                                                      const std::optional<std::string>& execution_id,
                                                      const std::optional<std::string>& next_token,
                                                      std::size_t max_results) const {
  if (auto view = LatestView(scope, pipeline); !view) return view.error();
  if (execution_id && !engine_.Find(scope, pipeline, *execution_id, ExecutionDetail::kSummary)) {
    return ExecutionNotFound(pipeline, *execution_id);
  }
  // Tokens hold the rule execution id a page ended with.
  auto after = PageStart(next_token);
  if (!after) return after.error();
  std::vector<RuleExecutionRecord> all = engine_.RuleExecutions(scope, pipeline, execution_id);
  auto begin = all.begin();
  if (!after->empty()) {
    begin = std::find_if(all.begin(), all.end(), [&](const RuleExecutionRecord& record) {
      return record.rule.rule_execution_id == *after;
    });
    if (begin == all.end()) return InvalidNextToken();
    ++begin;
  }
  RuleExecutionPage page;
  const auto available = static_cast<std::size_t>(all.end() - begin);
  const auto count = std::min(max_results, available);
  page.records.assign(std::make_move_iterator(begin),
                      std::make_move_iterator(begin + static_cast<std::ptrdiff_t>(count)));
  if (count < available) page.next_token = EncodePageToken(page.records.back().rule.rule_execution_id);
  return page;
}

}  // namespace sluice::domain
