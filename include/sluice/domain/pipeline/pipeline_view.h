// PipelineView: the typed view of a declaration that the execution engine
// reads (stages, actions, artifacts, variables), parsed once per pipeline
// version from its validated JSON.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/domain/pipeline/pipeline.h"

namespace sluice::domain {

// The words of a declaration that the engine decides on, parsed once into
// enums so that a typo is a compile error, not a branch never taken. Their
// ToString gives the API's spelling back for output.
enum class ActionCategory { kSource, kBuild, kDeploy, kTest, kInvoke, kApproval, kCompute };
enum class ActionOwner { kAws, kThirdParty, kCustom };
// What a stage condition does when its rules fail (FAIL for all three,
// SKIP for beforeEntry, ROLLBACK for onSuccess and onFailure, RETRY for
// onFailure).
enum class ConditionResult { kFail, kSkip, kRollback, kRetry };
enum class RetryMode : std::uint8_t { kFailedActions, kAllActions };

std::string_view ToString(ActionCategory category);
std::string_view ToString(ActionOwner owner);
std::string_view ToString(RetryMode mode);
std::optional<ActionCategory> ParseActionCategory(std::string_view text);
std::optional<ActionOwner> ParseActionOwner(std::string_view text);
std::optional<ConditionResult> ParseConditionResult(std::string_view text);
std::optional<RetryMode> ParseRetryMode(std::string_view text);

struct ActionView {
  std::string name;
  ActionCategory category = ActionCategory::kSource;
  ActionOwner owner = ActionOwner::kAws;
  std::string provider;
  std::string version;
  std::int64_t run_order = 1;
  std::map<std::string, std::string> configuration;
  std::vector<std::string> input_artifacts;
  std::vector<std::string> output_artifacts;
  std::string ns;  // namespace; empty when none
  std::string region;
  std::string role_arn;
  std::optional<std::int64_t> timeout_minutes;  // timeoutInMinutes (manual approvals)
};

struct RuleView {
  std::string name;
  std::string category;
  std::string owner;
  std::string provider;
  std::string version;
  std::map<std::string, std::string> configuration;
  std::vector<std::string> input_artifacts;
  std::string region;
  std::string role_arn;
};

// A stage condition (V2): the result it applies (FAIL, SKIP, ROLLBACK,
// RETRY) and the rules that decide it.
struct ConditionView {
  ConditionResult result = ConditionResult::kFail;
  std::vector<RuleView> rules;
};

struct StageView {
  std::string name;
  std::vector<ActionView> actions;  // in declaration order
  std::vector<std::int64_t> run_orders;  // distinct runOrders, ascending
  std::optional<ConditionView> before_entry;
  std::optional<ConditionView> on_success;
  // onFailure: its result, with rules only when it declares conditions.
  std::optional<ConditionView> on_failure;
  // retryConfiguration.retryMode, for RETRY; FAILED_ACTIONS when none is given.
  RetryMode on_failure_retry_mode = RetryMode::kFailedActions;
};

struct VariableView {
  std::string name;
  std::optional<std::string> default_value;
};

struct PipelineView {
  std::string name;
  int version = 1;
  PipelineType type = PipelineType::kV2;
  ExecutionMode mode = ExecutionMode::kSuperseded;
  std::string artifact_bucket;  // the store of the pipeline's region
  std::vector<StageView> stages;
  std::vector<VariableView> variables;

  const ActionView* FindSourceAction(std::string_view action_name) const;
  // Where the stage named `stage_name` is in `stages`, if it is declared.
  std::optional<std::size_t> StageIndex(std::string_view stage_name) const;
  // Whether stage `stage_name` declares an action named `action_name`.
  bool DeclaresAction(std::string_view stage_name, std::string_view action_name) const;
};

// `declaration` is the canonical JSON text of one version.
std::shared_ptr<const PipelineView> ParsePipelineView(std::string_view declaration,
                                                      std::string_view region);

}  // namespace sluice::domain
