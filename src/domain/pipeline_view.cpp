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
    StageView stage_view{stage.value("name", ""), {}, {}};
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
