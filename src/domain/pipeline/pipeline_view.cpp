#include "sluice/domain/pipeline/pipeline_view.h"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace sluice::domain {

namespace {

using nlohmann::json;

// One table per enum: its values with the API's spelling.
template <typename Enum>
struct Spelling {
  Enum value;
  std::string_view text;
};

constexpr Spelling<ActionCategory> kCategories[] = {
    {ActionCategory::kSource, "Source"}, {ActionCategory::kBuild, "Build"},
    {ActionCategory::kDeploy, "Deploy"}, {ActionCategory::kTest, "Test"},
    {ActionCategory::kInvoke, "Invoke"}, {ActionCategory::kApproval, "Approval"},
    {ActionCategory::kCompute, "Compute"}};
constexpr Spelling<ActionOwner> kOwners[] = {{ActionOwner::kAws, "AWS"},
                                             {ActionOwner::kThirdParty, "ThirdParty"},
                                             {ActionOwner::kCustom, "Custom"}};
constexpr Spelling<ConditionResult> kResults[] = {
    {ConditionResult::kFail, "FAIL"}, {ConditionResult::kSkip, "SKIP"},
    {ConditionResult::kRollback, "ROLLBACK"}, {ConditionResult::kRetry, "RETRY"}};
constexpr Spelling<RetryMode> kRetryModes[] = {{RetryMode::kFailedActions, "FAILED_ACTIONS"},
                                               {RetryMode::kAllActions, "ALL_ACTIONS"}};

template <typename Enum, std::size_t N>
std::optional<Enum> Parse(const Spelling<Enum> (&table)[N], std::string_view text) {
  for (const auto& entry : table) {
    if (entry.text == text) return entry.value;
  }
  return std::nullopt;
}

template <typename Enum, std::size_t N>
std::string_view Spell(const Spelling<Enum> (&table)[N], Enum value) {
  for (const auto& entry : table) {
    if (entry.value == value) return entry.text;
  }
  return {};
}

// `key` of `object` parsed with `parse`; `fallback` when it is absent. The
// declaration was validated against the model's enums before it got here.
template <typename Enum>
Enum ParsedOr(const json& object, const char* key, Enum fallback,
              std::optional<Enum> (*parse)(std::string_view)) {
  const auto it = object.find(key);
  if (it == object.end() || !it->is_string()) return fallback;
  return parse(it->get<std::string>()).value_or(fallback);
}

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
                                            std::string_view region) {
  const auto it = stage.find(key);
  if (it == stage.end() || !it->is_object()) return std::nullopt;
  ConditionView condition{ParsedOr(*it, "result", ConditionResult::kFail, ParseConditionResult), {}};
  const auto conditions = it->find("conditions");
  if (conditions == it->end() || !conditions->is_array() || conditions->empty()) return condition;
  const json& first = conditions->front();
  condition.result = ParsedOr(first, "result", condition.result, ParseConditionResult);
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

std::string_view ToString(ActionCategory category) { return Spell(kCategories, category); }
std::string_view ToString(ActionOwner owner) { return Spell(kOwners, owner); }
std::string_view ToString(RetryMode mode) { return Spell(kRetryModes, mode); }
std::optional<ActionCategory> ParseActionCategory(std::string_view text) {
  return Parse(kCategories, text);
}
std::optional<ActionOwner> ParseActionOwner(std::string_view text) { return Parse(kOwners, text); }
std::optional<ConditionResult> ParseConditionResult(std::string_view text) {
  return Parse(kResults, text);
}
std::optional<RetryMode> ParseRetryMode(std::string_view text) { return Parse(kRetryModes, text); }

const ActionView* PipelineView::FindSourceAction(std::string_view action_name) const {
  if (stages.empty()) return nullptr;
  for (const ActionView& action : stages.front().actions) {
    if (action.name == action_name && action.category == ActionCategory::kSource) return &action;
  }
  return nullptr;
}

std::optional<std::size_t> PipelineView::StageIndex(std::string_view stage_name) const {
  for (std::size_t i = 0; i < stages.size(); ++i) {
    if (stages[i].name == stage_name) return i;
  }
  return std::nullopt;
}

bool PipelineView::DeclaresAction(std::string_view stage_name, std::string_view action_name) const {
  const auto index = StageIndex(stage_name);
  if (!index) return false;
  const auto& actions = stages[*index].actions;
  return std::any_of(actions.begin(), actions.end(),
                     [&](const ActionView& action) { return action.name == action_name; });
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
    stage_view.before_entry = ParseCondition(stage, "beforeEntry", region);
    stage_view.on_success = ParseCondition(stage, "onSuccess", region);
    stage_view.on_failure = ParseCondition(stage, "onFailure", region);
    if (const auto failure = stage.find("onFailure"); failure != stage.end() && failure->is_object()) {
      if (const auto retry = failure->find("retryConfiguration");
          retry != failure->end() && retry->is_object()) {
        stage_view.on_failure_retry_mode =
            ParsedOr(*retry, "retryMode", RetryMode::kFailedActions, ParseRetryMode);
      }
    }
    for (const json& action : stage.at("actions")) {
      const json& type = action.at("actionTypeId");
      ActionView action_view;
      action_view.name = action.value("name", "");
      action_view.category = ParsedOr(type, "category", ActionCategory::kSource, ParseActionCategory);
      action_view.owner = ParsedOr(type, "owner", ActionOwner::kAws, ParseActionOwner);
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
