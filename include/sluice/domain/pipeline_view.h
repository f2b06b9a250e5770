// PipelineView: the typed view of a declaration that the execution engine
// reads (stages, actions, artifacts, variables), parsed once per pipeline
// version from its validated JSON.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/domain/pipeline.h"

namespace sluice::domain {

struct ActionView {
  std::string name;
  std::string category;
  std::string owner;
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
  std::string result;
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
  std::string on_failure_retry_mode;  // retryConfiguration.retryMode, for RETRY
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
};

// `declaration` is the canonical JSON text of one version.
std::shared_ptr<const PipelineView> ParsePipelineView(std::string_view declaration,
                                                      std::string_view region);

}  // namespace sluice::domain
