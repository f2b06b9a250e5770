#include "sluice/domain/pipeline_view.h"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace sluice::domain {

namespace {

using nlohmann::json;

std::vector<std::string> ArtifactNames(const json& action, const char* key) {
  std::vector<std::string> names;
  if (const auto it = action.find(key); it != action.end() && it->is_array()) {
    for (const json& artifact : *it) names.push_back(artifact.value("name", ""));
  }
  return names;
}

// The first condition of a stage's beforeEntry/onSuccess/onFailure (the model
// allows one), with `fallback` as its result when it names none.
std::optional<ConditionView> ParseCondition(const json& stage, const char* key,
                                            const std::string& fallback,
                                            std::string_view region) {
  const auto it = stage.find(key);
  if (it == stage.end() || !it->is_object()) return std::nullopt;
  ConditionView condition{it->value("result", fallback), {}};
  const auto conditions = it->find("conditions");
  if (conditions == it->end() || !conditions->is_array() || conditions->empty()) return condition;
  const json& first = conditions->front();
  condition.result = first.value("result", condition.result);
  if (const auto rules = first.find("rules"); rules != first.end() && rules->is_array()) {
    for (const json& rule : *rules) {
      const json& type = rule.at("ruleTypeId");
      RuleView view{rule.value("name", ""),       type.value("category", "Rule"),
                    type.value("owner", "AWS"),   type.value("provider", ""),
                    type.value("version", "1"),   {},
                    ArtifactNames(rule, "inputArtifacts"), rule.value("region", std::string(region)),
                    rule.value("roleArn", "")};
      if (const auto config = rule.find("configuration"); config != rule.end() && config->is_object()) {
        for (const auto& [name, value] : config->items()) {
          view.configuration[name] = value.is_string() ? value.get<std::string>() : value.dump();
        }
      }
      condition.rules.push_back(std::move(view));
    }
  }
  return condition;
}

}  // namespace

const ActionView* PipelineView::FindSourceAction(std::string_view action_name) const {
  if (stages.empty()) return nullptr;
  for (const ActionView& action : stages.front().actions) {
    if (action.name == action_name && action.category == "Source") return &action;
  }
  return nullptr;
}

std::shared_ptr<const PipelineView> ParsePipelineView(std::string_view declaration,
                                                      std::string_view region) {
  const json pipeline = json::parse(declaration);
  auto view = std::make_shared<PipelineView>();
  view->name = pipeline.value("name", "");
  view->version = pipeline.value("version", 1);
  view->type = ParsePipelineType(pipeline.value("pipelineType", "V2")).value_or(PipelineType::kV2);
  view->mode = ParseExecutionMode(pipeline.value("executionMode", "SUPERSEDED"))
                   .value_or(ExecutionMode::kSuperseded);
  if (const auto it = pipeline.find("artifactStore"); it != pipeline.end() && it->is_object()) {
    view->artifact_bucket = it->value("location", "");
  } else if (const auto stores = pipeline.find("artifactStores"); stores != pipeline.end()) {
    if (const auto own = stores->find(std::string(region)); own != stores->end()) {
      view->artifact_bucket = own->value("location", "");
    }
  }
  for (const json& stage : pipeline.at("stages")) {
    StageView stage_view{stage.value("name", ""), {}, {}, {}, {}, {}, {}};
    stage_view.before_entry = ParseCondition(stage, "beforeEntry", "FAIL", region);
    stage_view.on_success = ParseCondition(stage, "onSuccess", "FAIL", region);
    stage_view.on_failure = ParseCondition(stage, "onFailure", "FAIL", region);
    if (const auto failure = stage.find("onFailure"); failure != stage.end() && failure->is_object()) {
      if (const auto retry = failure->find("retryConfiguration");
          retry != failure->end() && retry->is_object()) {
        stage_view.on_failure_retry_mode = retry->value("retryMode", "");
      }
    }
    for (const json& action : stage.at("actions")) {
      const json& type = action.at("actionTypeId");
      ActionView action_view;
      action_view.name = action.value("name", "");
      action_view.category = type.value("category", "");
      action_view.owner = type.value("owner", "");
      action_view.provider = type.value("provider", "");
      action_view.version = type.value("version", "");
      action_view.run_order = action.value("runOrder", std::int64_t{1});
      if (const auto it = action.find("configuration"); it != action.end() && it->is_object()) {
        for (const auto& [key, value] : it->items()) {
          action_view.configuration[key] = value.is_string() ? value.get<std::string>() : value.dump();
        }
      }
      action_view.input_artifacts = ArtifactNames(action, "inputArtifacts");
      action_view.output_artifacts = ArtifactNames(action, "outputArtifacts");
      action_view.ns = action.value("namespace", "");
      action_view.region = action.value("region", std::string(region));
      action_view.role_arn = action.value("roleArn", "");
      if (const auto it = action.find("timeoutInMinutes"); it != action.end() && it->is_number()) {
        action_view.timeout_minutes = it->get<std::int64_t>();
      }
      stage_view.run_orders.push_back(action_view.run_order);
      stage_view.actions.push_back(std::move(action_view));
    }
    std::sort(stage_view.run_orders.begin(), stage_view.run_orders.end());
    stage_view.run_orders.erase(
        std::unique(stage_view.run_orders.begin(), stage_view.run_orders.end()),
        stage_view.run_orders.end());
    view->stages.push_back(std::move(stage_view));
  }
  if (const auto it = pipeline.find("variables"); it != pipeline.end() && it->is_array()) {
    for (const json& variable : *it) {
      VariableView variable_view{variable.value("name", ""), std::nullopt};
      if (const auto value = variable.find("defaultValue"); value != variable.end()) {
        variable_view.default_value = value->get<std::string>();
      }
      view->variables.push_back(std::move(variable_view));
    }
  }
  return view;
}

}  // namespace sluice::domain
