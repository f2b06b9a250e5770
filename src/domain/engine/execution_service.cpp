#include "sluice/domain/engine/execution_service.h"

#include <algorithm>
#include <charconv>
#include <limits>
#include <tuple>

#include "domain/page_token.h"
#include "sluice/domain/errors.h"

namespace sluice::domain {

namespace {

ServiceError InvalidToken() {
  return {ErrorCode::kInvalidNextToken, "Invalid nextToken"};
}

// A page token's numbers: "<a>/<b>/..." with exactly `count` parts.
std::optional<std::vector<std::int64_t>> DecodeNumbers(const std::string& token, std::size_t count) {
  const auto text = DecodePageToken(token);
  if (!text) return std::nullopt;
  std::vector<std::int64_t> numbers;
  const char* ptr = text->data();
  const char* end = ptr + text->size();
  while (numbers.size() < count) {
    std::int64_t value = 0;
    const auto [next, ec] = std::from_chars(ptr, end, value);
    if (ec != std::errc() || value < 0) return std::nullopt;
    numbers.push_back(value);
    ptr = next;
    if (numbers.size() < count) {
      if (ptr == end || *ptr != '/') return std::nullopt;
      ++ptr;
    }
  }
  if (ptr != end) return std::nullopt;
  return numbers;
}

// Execution pages resume before "<sequence>".
std::optional<std::uint64_t> DecodeExecutionPosition(const std::string& token) {
  const auto numbers = DecodeNumbers(token, 1);
  if (!numbers) return std::nullopt;
  return static_cast<std::uint64_t>((*numbers)[0]);
}

// Action pages resume after "<start ms>/<sequence>/<index>".
std::optional<std::tuple<std::int64_t, std::uint64_t, std::size_t>> DecodeActionPosition(
    const std::string& token) {
  const auto numbers = DecodeNumbers(token, 3);
  if (!numbers) return std::nullopt;
  return std::make_tuple((*numbers)[0], static_cast<std::uint64_t>((*numbers)[1]),
                         static_cast<std::size_t>((*numbers)[2]));
}

}  // namespace

ExecutionService::ExecutionService(PipelineRepository& repository, ExecutionEngine& engine)
    : repository_(repository), engine_(engine) {}

Result<std::shared_ptr<const PipelineView>> ExecutionService::LatestView(
    const Scope& scope, std::string_view pipeline) const {
  return repository_.LatestView(scope, pipeline);
}

Result<std::string> ExecutionService::Start(const Scope& scope, std::string_view pipeline,
                                            StartRequest request) {
  auto view = LatestView(scope, pipeline);
  if (!view) {
    if (view.error().code() == ErrorCode::kPipelineNotFound) {
      return PipelineNotFoundToStart(scope, pipeline);
    }
    return view.error();
  }
  return engine_.Start(scope, std::move(*view), std::move(request));
}

Result<PipelineExecution> ExecutionService::Get(const Scope& scope, std::string_view pipeline,
                                                std::string_view execution_id,
                                                ExecutionDetail detail) const {
  if (auto found = LatestView(scope, pipeline); !found) return found.error();
  auto execution = engine_.Find(scope, pipeline, execution_id, detail);
  if (!execution) {
    return ExecutionNotFound(pipeline, execution_id);
  }
  return std::move(*execution);
}

Result<ExecutionPage> ExecutionService::List(const Scope& scope, std::string_view pipeline,
                                             const std::optional<std::string>& succeeded_in_stage,
                                             const std::optional<std::string>& next_token,
                                             std::size_t max_results) const {
  const auto view = LatestView(scope, pipeline);
  if (!view) return view.error();
  std::optional<std::uint64_t> before;
  if (next_token) {
    before = DecodeExecutionPosition(*next_token);
    if (!before) return InvalidToken();
  }
  ExecutionPage page;
  // One more than the page, to know whether another page follows.
  const std::size_t limit =
      max_results == std::numeric_limits<std::size_t>::max() ? max_results : max_results + 1;
  // API reference, ListPipelineExecutions: with the succeeded-in-stage
  // filter, "the operation returns all executions in the current pipeline
  // version".
  std::optional<int> version;
  if (succeeded_in_stage) version = (*view)->version;
  page.executions =
      engine_.List(scope, pipeline,  // newest first; summaries show no stage runs
                   {before, succeeded_in_stage, version, limit, ExecutionDetail::kSummary});
  if (page.executions.size() > max_results) {
    page.executions.resize(max_results);
    if (!page.executions.empty()) {
      page.next_token = EncodePageToken(std::to_string(page.executions.back().sequence));
    }
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
  if (auto found = LatestView(scope, pipeline); !found) return found.error();
  std::optional<std::tuple<std::int64_t, std::uint64_t, std::size_t>> after;
  if (next_token) {
    after = DecodeActionPosition(*next_token);
    if (!after) return InvalidToken();
  }
  ActionExecutionPage page;
  if (execution_id) {
    auto execution = engine_.Find(scope, pipeline, *execution_id);
    if (!execution) {
      return ExecutionNotFound(pipeline, *execution_id);
    }
    page.executions.push_back(std::move(*execution));
  } else {
    page.executions = engine_.List(scope, pipeline);
  }
  // Newest first by start time, across executions (QUEUED and PARALLEL runs
  // overlap). Ties go to the newer execution, then the later action. An
  // item's position (start ms, sequence, index) is what page tokens carry.
  for (const PipelineExecution& execution : page.executions) {
    std::size_t index = 0;
    for (const StageRun& stage : execution.stage_runs) {
      for (const ActionRun& action : stage.actions) page.items.push_back({&execution, &action, index++});
    }
  }
  auto position = [](const ActionExecutionPage::Item& item) {
    return std::make_tuple(item.action->start_time.time_since_epoch().count(),
                           item.execution->sequence, item.index);
  };
  std::sort(page.items.begin(), page.items.end(),
            [&](const auto& a, const auto& b) { return position(a) > position(b); });
  if (after) {
    const auto cut = std::find_if(page.items.begin(), page.items.end(), [&](const auto& item) {
      return position(item) < *after;
    });
    page.items.erase(page.items.begin(), cut);
  }
  if (page.items.size() > max_results) {
    page.items.resize(max_results);
    const auto [start, sequence, index] = position(page.items.back());
    page.next_token = EncodePageToken(std::to_string(start) + "/" + std::to_string(sequence) +
                                      "/" + std::to_string(index));
  }
  return page;
}

void ExecutionService::PipelineUpdated(const Scope& scope, std::string_view pipeline) {
  engine_.PipelineUpdated(scope, pipeline);
}

void ExecutionService::PipelineDeleted(const Scope& scope, std::string_view pipeline) {
  engine_.Forget(scope, pipeline);
}

}  // namespace sluice::domain
