#include "sluice/domain/execution_service.h"

#include <algorithm>
#include <charconv>

#include "page_token.h"
#include "sluice/domain/errors.h"

namespace sluice::domain {

namespace {

std::string ViewKey(const Scope& scope, std::string_view pipeline) {
  return scope.account_id + "/" + scope.region + "/" + std::string(pipeline);
}

ServiceError InvalidToken() {
  return {ErrorCode::kInvalidNextToken, "Invalid nextToken"};
}

// Page positions: "<execution sequence>" or "<sequence>/<action index>".
std::optional<std::pair<std::uint64_t, std::size_t>> DecodePosition(const std::string& token) {
  const auto text = DecodePageToken(token);
  if (!text) return std::nullopt;
  std::uint64_t sequence = 0;
  std::size_t index = 0;
  const char* begin = text->data();
  const char* end = begin + text->size();
  auto [ptr, ec] = std::from_chars(begin, end, sequence);
  if (ec != std::errc()) return std::nullopt;
  if (ptr != end) {
    if (*ptr != '/') return std::nullopt;
    auto [ptr2, ec2] = std::from_chars(ptr + 1, end, index);
    if (ec2 != std::errc() || ptr2 != end) return std::nullopt;
  }
  return std::make_pair(sequence, index);
}

}  // namespace

ExecutionService::ExecutionService(PipelineRepository& repository, ExecutionEngine& engine)
    : repository_(repository), engine_(engine) {}

Result<std::shared_ptr<const PipelineView>> ExecutionService::LatestView(
    const Scope& scope, std::string_view pipeline) const {
  auto snapshot = repository_.Find(scope, pipeline, std::nullopt);
  if (!snapshot) return snapshot.error();
  const std::string key = ViewKey(scope, pipeline);
  std::lock_guard lock(views_mutex_);
  auto& cached = views_[key];
  if (!cached || cached->version != snapshot->summary.version) {
    cached = ParsePipelineView(snapshot->declaration, scope.region);
  }
  return cached;
}

Result<std::string> ExecutionService::Start(const Scope& scope, std::string_view pipeline,
                                            StartRequest request) {
  auto view = LatestView(scope, pipeline);
  if (!view) {
    if (view.error().code() == ErrorCode::kPipelineNotFound) {
      return ServiceError(ErrorCode::kPipelineNotFound,
                          "Pipeline with name " + std::string(pipeline) +
                              " does not exist in account " + scope.account_id + ".");
    }
    return view.error();
  }
  return engine_.Start(scope, std::move(*view), std::move(request));
}

Result<PipelineExecution> ExecutionService::Get(const Scope& scope, std::string_view pipeline,
                                                std::string_view execution_id) const {
  if (auto found = repository_.Find(scope, pipeline, std::nullopt); !found) return found.error();
  auto execution = engine_.Find(scope, pipeline, execution_id);
  if (!execution) {
    return ServiceError(ErrorCode::kPipelineExecutionNotFound,
                        "Pipeline execution with id " + std::string(execution_id) +
                            " does not exist in pipeline " + std::string(pipeline) + ".");
  }
  return std::move(*execution);
}

Result<ExecutionPage> ExecutionService::List(const Scope& scope, std::string_view pipeline,
                                             const std::optional<std::string>& succeeded_in_stage,
                                             const std::optional<std::string>& next_token,
                                             std::size_t max_results) const {
  if (auto found = repository_.Find(scope, pipeline, std::nullopt); !found) return found.error();
  std::optional<std::uint64_t> before;
  if (next_token) {
    const auto position = DecodePosition(*next_token);
    if (!position) return InvalidToken();
    before = position->first;
  }
  ExecutionPage page;
  for (auto& execution : engine_.List(scope, pipeline)) {  // newest first
    if (before && execution.sequence >= *before) continue;
    if (succeeded_in_stage &&
        std::none_of(execution.stage_runs.begin(), execution.stage_runs.end(),
                     [&](const StageRun& stage) {
                       return stage.stage_name == *succeeded_in_stage &&
                              stage.status == StageStatus::kSucceeded;
                     })) {
      continue;
    }
    if (page.executions.size() == max_results) {
      page.next_token = EncodePageToken(std::to_string(page.executions.back().sequence));
      break;
    }
    page.executions.push_back(std::move(execution));
  }
  return page;
}

Result<PipelineState> ExecutionService::State(const Scope& scope,
                                              std::string_view pipeline) const {
  auto snapshot = repository_.Find(scope, pipeline, std::nullopt);
  if (!snapshot) return snapshot.error();
  auto view = LatestView(scope, pipeline);
  if (!view) return view.error();
  return PipelineState{std::move(*snapshot), engine_.StageStates(scope, **view)};
}

Result<ActionExecutionPage> ExecutionService::ListActions(
    const Scope& scope, std::string_view pipeline, const std::optional<std::string>& execution_id,
    const std::optional<std::string>& next_token, std::size_t max_results) const {
  if (auto found = repository_.Find(scope, pipeline, std::nullopt); !found) return found.error();
  std::optional<std::pair<std::uint64_t, std::size_t>> after;
  if (next_token) {
    after = DecodePosition(*next_token);
    if (!after) return InvalidToken();
  }
  ActionExecutionPage page;
  if (execution_id) {
    auto execution = engine_.Find(scope, pipeline, *execution_id);
    if (!execution) {
      return ServiceError(ErrorCode::kPipelineExecutionNotFound,
                          "Pipeline execution with id " + *execution_id +
                              " does not exist in pipeline " + std::string(pipeline) + ".");
    }
    page.executions.push_back(std::move(*execution));
  } else {
    page.executions = engine_.List(scope, pipeline);
  }
  // Newest first: executions newest first, and within one, the actions in
  // reverse start order. An action's position is (sequence, index in run).
  for (const PipelineExecution& execution : page.executions) {
    std::vector<const ActionRun*> actions;
    for (const StageRun& stage : execution.stage_runs) {
      for (const ActionRun& action : stage.actions) actions.push_back(&action);
    }
    for (std::size_t i = actions.size(); i-- > 0;) {
      if (after && (execution.sequence > after->first ||
                    (execution.sequence == after->first && i >= after->second))) {
        continue;
      }
      if (page.items.size() == max_results) {
        const auto& last = page.items.back();
        page.next_token = EncodePageToken(std::to_string(last.execution->sequence) + "/" +
                                          std::to_string(last.index));
        return page;
      }
      page.items.push_back({&execution, actions[i], i});
    }
  }
  return page;
}

void ExecutionService::PipelineUpdated(const Scope& scope, std::string_view pipeline) {
  engine_.PipelineUpdated(scope, pipeline);
}

void ExecutionService::PipelineDeleted(const Scope& scope, std::string_view pipeline) {
  engine_.Forget(scope, pipeline);
  std::lock_guard lock(views_mutex_);
  views_.erase(ViewKey(scope, pipeline));
}

}  // namespace sluice::domain
