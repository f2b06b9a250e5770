#include "sluice/domain/pipeline/pipeline_rules.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <optional>
#include <string>
#include <vector>

#include "sluice/domain/pipeline/action_catalog.h"
#include "sluice/domain/errors.h"

namespace sluice::domain {

namespace {

using nlohmann::json;

ServiceError Structure(std::string message) {
  return {ErrorCode::kInvalidStructure, std::move(message)};
}
ServiceError StageError(std::string message) {
  return {ErrorCode::kInvalidStageDeclaration, std::move(message)};
}
ServiceError ActionError(std::string message) {
  return {ErrorCode::kInvalidActionDeclaration, std::move(message)};
}

std::string Str(const json& object, const char* key) {
  const auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::size_t Count(const json& object, const char* key) {
  const auto it = object.find(key);
  return it != object.end() && (it->is_array() || it->is_object()) ? it->size() : 0;
}

bool Has(const json& object, const char* key) {
  const auto it = object.find(key);
  return it != object.end() && !it->is_null();
}

// AWS spells regions this way in "not available in region" messages.
std::string RegionConstant(std::string_view region) {
  std::string out(region);
  for (char& c : out) c = c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

bool LooksLikeRegion(std::string_view region) {
  // aa-bbbb-N, with optional extra segments (us-gov-west-1, ap-southeast-3).
  std::size_t dashes = 0;
  for (const char c : region) {
    if (c == '-') {
      ++dashes;
    } else if (!std::islower(static_cast<unsigned char>(c)) &&
               !std::isdigit(static_cast<unsigned char>(c))) {
      return false;
    }
  }
  return dashes >= 2 && std::isdigit(static_cast<unsigned char>(region.back())) &&
         region.front() != '-';
}

Status CheckArtifactStores(const json& pipeline, const Scope& scope) {
  const bool single = Has(pipeline, "artifactStore");
  const bool multi = Has(pipeline, "artifactStores");
  if (single && multi) {
    return Structure("Pipeline must declare either artifactStore or artifactStores, not both");
  }
  if (!single && !multi) {
    return Structure("Pipeline must declare an artifactStore or artifactStores");
  }
  if (multi) {
    const json& stores = pipeline["artifactStores"];
    for (const auto& [region, store] : stores.items()) {
      if (!LooksLikeRegion(region)) {
        return ServiceError::Validation("The region " + region +
                                        " specified in 'pipeline.artifactStores' is not a "
                                        "valid AWS Region.");
      }
    }
    if (!stores.contains(scope.region)) {
      return Structure("artifactStores must include an artifact store for the pipeline's region '" +
                       scope.region + "'");
    }
  }
  return Ok{};
}

Status CheckV2OnlyFeatures(const json& pipeline) {
  if (pipeline["pipelineType"] != "V1") return Ok{};
  const std::string mode = Str(pipeline, "executionMode");
  if (mode == "QUEUED" || mode == "PARALLEL") {
    return Structure(mode + " execution mode can only be used with V2 pipelines");
  }
  if (Count(pipeline, "variables") > 0) {
    return Structure("Pipeline variables can only be used with V2 pipelines");
  }
  if (Count(pipeline, "triggers") > 0) {
    return Structure("Triggers can only be used with V2 pipelines");
  }
  for (const json& stage : pipeline["stages"]) {
    if (Has(stage, "beforeEntry") || Has(stage, "onSuccess") ||
        (Has(stage, "onFailure") && Count(stage["onFailure"], "conditions") > 0)) {
      return StageError("Stage level conditions can only be used with V2 pipelines.");
    }
  }
  return Ok{};
}

// User guide, "Set or change the pipeline execution mode": "failure
// conditions with a rollback result type cannot be added to a PARALLEL mode
// pipeline."
Status CheckRollbackForMode(const json& pipeline) {
  if (Str(pipeline, "executionMode") != "PARALLEL") return Ok{};
  for (const json& stage : pipeline["stages"]) {
    if (!Has(stage, "onFailure")) continue;
    const json& on_failure = stage["onFailure"];
    bool rollback = Str(on_failure, "result") == "ROLLBACK";
    if (Has(on_failure, "conditions")) {
      for (const json& condition : on_failure["conditions"]) {
        rollback = rollback || Str(condition, "result") == "ROLLBACK";
      }
    }
    if (rollback) {
      return StageError("Stage " + Str(stage, "name") +
                        ": a failure condition with result ROLLBACK cannot be used in a "
                        "pipeline in PARALLEL execution mode");
    }
  }
  return Ok{};
}

// User guide, "Configure conditions for a stage": beforeEntry rules are
// "engaged with the following result options: Fail or Skip", onSuccess rules
// fail or roll back. Any other result would silently act as FAIL.
Status CheckConditionResults(const json& pipeline) {
  struct Kind {
    const char* key;
    std::set<std::string, std::less<>> results;
  };
  static const Kind kKinds[] = {{"beforeEntry", {"FAIL", "SKIP"}},
                                {"onSuccess", {"FAIL", "ROLLBACK"}}};
  for (const json& stage : pipeline["stages"]) {
    for (const Kind& kind : kKinds) {
      if (!Has(stage, kind.key) || !Has(stage[kind.key], "conditions")) continue;
      for (const json& condition : stage[kind.key]["conditions"]) {
        const std::string result = Str(condition, "result");
        if (!result.empty() && !kind.results.contains(result)) {
          return StageError("Stage " + Str(stage, "name") + ": a " + kind.key +
                            " condition cannot have result " + result);
        }
      }
    }
  }
  return Ok{};
}

// What a declaration must respect to use an action type, whether built in or
// custom.
struct ActionTypeRules {
  ArtifactBounds inputs{0, 0};
  ArtifactBounds outputs{0, 0};
  bool v2_only = false;
  std::vector<std::string> required;
  // The configuration keys the type declares; nullopt: not known (the
  // built-in catalog lists required keys only), so any key is accepted.
  std::optional<std::set<std::string, std::less<>>> known;
};

ActionTypeRules RulesOf(const ActionTypeInfo& info) {
  ActionTypeRules rules{info.inputs, info.outputs, info.v2_only, {}, std::nullopt};
  for (const std::string_view key : info.required_configuration) rules.required.emplace_back(key);
  return rules;
}

ActionTypeRules RulesOf(const ActionType& type) {
  ActionTypeRules rules{{type.inputs.minimum, type.inputs.maximum},
                        {type.outputs.minimum, type.outputs.maximum},
                        false,
                        {},
                        std::set<std::string, std::less<>>()};
  for (const ConfigurationProperty& property : type.properties) {
    if (property.required) rules.required.push_back(property.name);
    rules.known->insert(property.name);
  }
  return rules;
}

// The rules of the action type `type` names, from the built-in catalog or
// (owner Custom) the scope's custom types; nullopt when there is no such
// type.
std::optional<ActionTypeRules> FindRules(const json& type, const Scope& scope,
                                         const CustomActionTypeLookup& custom_types) {
  const ActionTypeId id{Str(type, "category"), Str(type, "owner"), Str(type, "provider"),
                        Str(type, "version")};
  if (id.owner == "Custom") {
    if (!custom_types) return std::nullopt;
    const auto custom = custom_types(scope, id);
    if (!custom) return std::nullopt;
    return RulesOf(*custom);
  }
  const ActionTypeInfo* info = FindActionType(id.owner, id.category, id.provider, id.version);
  if (info == nullptr) return std::nullopt;
  return RulesOf(*info);
}

Status CheckAction(const json& action, bool v2, const json& pipeline, const Scope& scope,
                   const CustomActionTypeLookup& custom_types) {
  const std::string name = Str(action, "name");
  const json& type = action["actionTypeId"];
  const std::string owner = Str(type, "owner");
  const std::string category = Str(type, "category");
  const std::string provider = Str(type, "provider");
  const std::string version = Str(type, "version");
  const std::string region = Has(action, "region") ? Str(action, "region") : scope.region;

  const auto rules = FindRules(type, scope, custom_types);
  if (!rules) {
    return ActionError("ActionType (Category: '" + category + "', Provider: '" + provider +
                       "', Owner: '" + owner + "', Version: '" + version + "') in action '" +
                       name + "' is not available in region '" + RegionConstant(region) + "'");
  }
  if (rules->v2_only && !v2) {
    return ActionError("Action '" + name + "' uses the " + provider +
                       " action type, which can only be used with V2 pipelines");
  }
  const auto inputs = static_cast<int>(Count(action, "inputArtifacts"));
  const auto outputs = static_cast<int>(Count(action, "outputArtifacts"));
  const auto bound_error = [&](int count, const char* what, const char* relation, int bound) {
    return ActionError("Action " + name + " declares " + std::to_string(count) + " " + what +
                       " artifacts which is " + relation + " count (" + std::to_string(bound) +
                       ")");
  };
  if (inputs < rules->inputs.min) return bound_error(inputs, "input", "less than the minimum", rules->inputs.min);
  if (inputs > rules->inputs.max) return bound_error(inputs, "input", "more than the maximum", rules->inputs.max);
  if (outputs < rules->outputs.min) return bound_error(outputs, "output", "less than the minimum", rules->outputs.min);
  if (outputs > rules->outputs.max) return bound_error(outputs, "output", "more than the maximum", rules->outputs.max);

  const json empty = json::object();
  const json& configuration = Has(action, "configuration") ? action["configuration"] : empty;
  for (const std::string& key : rules->required) {
    if (!configuration.contains(key)) {
      return ActionError("Action configuration for action '" + name +
                         "' is missing required configuration '" + key + "'");
    }
  }
  if (rules->known) {
    for (const auto& [key, value] : configuration.items()) {
      if (!rules->known->contains(key)) {
        return ActionError("Action configuration for action '" + name +
                           "' contains unknown configuration '" + key + "'");
      }
    }
  }
  if (Has(action, "commands") && category != "Compute") {
    return ActionError("The following action cannot contain a commands field: " + name +
                       ". To use the commands field, use a compute action.");
  }
  if (provider == "Commands" && Count(action, "commands") == 0) {
    return ActionError("Action '" + name + "' of provider Commands must declare commands");
  }
  if (Has(action, "region") && Has(pipeline, "artifactStores") &&
      !pipeline["artifactStores"].contains(region)) {
    return ActionError("Action '" + name + "' runs in region '" + region +
                       "', which has no artifact store in artifactStores");
  }
  return Ok{};
}

// Stage layout, names, action types and the flow of artifacts.
Status CheckStages(const json& pipeline, const Scope& scope, const PipelineLimits& limits,
                   const CustomActionTypeLookup& custom_types) {
  const json& stages = pipeline["stages"];
  if (stages.size() < 2) {
    return Structure("Pipeline has only " + std::to_string(stages.size()) +
                     " stages. There should be a minimum of 2 stages in a pipeline");
  }
  if (stages.size() > limits.max_stages) {
    return Structure("Pipeline has " + std::to_string(stages.size()) +
                     " stages. There should be a maximum of " + std::to_string(limits.max_stages) +
                     " stages in a pipeline");
  }
  const bool v2 = pipeline["pipelineType"] == "V2";
  std::set<std::string> stage_names;
  std::set<std::string> outputs_so_far;   // produced by earlier stages
  std::set<std::string> all_outputs;
  std::map<std::string, std::string> namespaces;  // namespace -> "stage/action"

  for (std::size_t s = 0; s < stages.size(); ++s) {
    const json& stage = stages[s];
    const std::string stage_name = Str(stage, "name");
    if (!stage_names.insert(stage_name).second) {
      return StageError("Stage names must be unique within a pipeline. Stage name '" + stage_name +
                        "' is used more than once");
    }
    const json& actions = stage["actions"];
    if (actions.empty()) {
      return StageError("Stage '" + stage_name + "' must contain at least one action");
    }
    if (actions.size() > limits.max_actions_per_stage) {
      return StageError("Stage '" + stage_name + "' has " + std::to_string(actions.size()) +
                        " actions. There should be a maximum of " +
                        std::to_string(limits.max_actions_per_stage) + " actions in a stage");
    }
    if (Count(stage, "blockers") > 0) {
      return InvalidBlockerDeclaration(stage_name);
    }

    std::set<std::string> action_names;
    // Outputs of this stage's actions, by the runOrder that produces them.
    std::multimap<std::int64_t, std::string> stage_outputs;
    for (const json& action : actions) {
      const std::string action_name = Str(action, "name");
      if (!action_names.insert(action_name).second) {
        return ActionError("Action names must be unique within a stage. Stage '" + stage_name +
                           "' has more than one action named '" + action_name + "'");
      }
      const bool is_source = action["actionTypeId"]["category"] == "Source";
      if (s == 0 && !is_source) {
        return Structure("Pipeline should start with a stage that only contains source actions");
      }
      if (s != 0 && is_source) {
        return Structure("Source actions can only be declared in the first stage of a pipeline. "
                         "Stage '" + stage_name + "' declares source action '" + action_name + "'");
      }
      if (auto status = CheckAction(action, v2, pipeline, scope, custom_types); !status) {
        return status;
      }

      if (const std::string ns = Str(action, "namespace"); !ns.empty()) {
        const auto [it, fresh] = namespaces.emplace(ns, stage_name + "/" + action_name);
        if (!fresh) {
          return ActionError(
              "Namespaces must be unique across the pipeline definition. The following occur "
              "more than once in the pipeline. StageName=[" + stage_name + "], ActionName=[" +
              action_name + "], Namespace=[" + ns + "]");
        }
      }
      for (const json& output : action["outputArtifacts"]) {
        const std::string artifact = Str(output, "name");
        if (!all_outputs.insert(artifact).second) {
          return Structure("Output Artifact Bundle name must be unique within the pipeline. " +
                           artifact + " has been used more than once.");
        }
        stage_outputs.emplace(action["runOrder"].get<std::int64_t>(), artifact);
      }
    }
    // Inputs must come from an earlier stage, or from an action of this stage
    // that runs earlier (a lower runOrder).
    for (const json& action : actions) {
      const auto run_order = action["runOrder"].get<std::int64_t>();
      for (const json& input : action["inputArtifacts"]) {
        const std::string artifact = Str(input, "name");
        bool produced = outputs_so_far.contains(artifact);
        for (auto it = stage_outputs.begin(); !produced && it != stage_outputs.end() &&
                                              it->first < run_order; ++it) {
          produced = it->second == artifact;
        }
        if (!produced) {
          return Structure("Input Artifact Bundle " + artifact + " of action " +
                           Str(action, "name") + " in stage " + stage_name +
                           " is not declared as an output of a preceding action");
        }
      }
    }
    for (const auto& entry : stage_outputs) outputs_so_far.insert(entry.second);
  }
  return Ok{};
}

Status CheckVariablesAndTriggers(const json& pipeline) {
  if (Has(pipeline, "variables")) {
    std::set<std::string> names;
    for (const json& variable : pipeline["variables"]) {
      const std::string name = Str(variable, "name");
      if (!names.insert(name).second) {
        return ServiceError::Validation(
            "Variable names must be unique. The following variable name is already in use: " +
            name);
      }
    }
  }
  if (Has(pipeline, "triggers")) {
    std::set<std::string> sources;
    const json& first_stage = pipeline["stages"][0];
    for (const json& trigger : pipeline["triggers"]) {
      const std::string source = Str(trigger["gitConfiguration"], "sourceActionName");
      const auto& actions = first_stage["actions"];
      const auto action = std::find_if(actions.begin(), actions.end(), [&](const json& a) {
        return a["name"] == source;
      });
      if (action == actions.end() ||
          (*action)["actionTypeId"]["provider"] != "CodeStarSourceConnection") {
        return Structure("The trigger's sourceActionName '" + source +
                         "' must name a CodeStarSourceConnection source action of the pipeline");
      }
      if (!sources.insert(source).second) {
        return Structure("Only one trigger can be declared for source action '" + source + "'");
      }
    }
  }
  return Ok{};
}

}  // namespace

void ApplyDeclarationDefaults(json& declaration, int version) {
  declaration["version"] = version;
  if (!Has(declaration, "pipelineType")) {
    declaration["pipelineType"] = std::string(ToString(kDefaultPipelineType));
  }
  if (!Has(declaration, "executionMode")) declaration["executionMode"] = "SUPERSEDED";
  for (json& stage : declaration["stages"]) {
    for (json& action : stage["actions"]) {
      if (!Has(action, "runOrder")) action["runOrder"] = 1;
      if (!Has(action, "inputArtifacts")) action["inputArtifacts"] = json::array();
      if (!Has(action, "outputArtifacts")) action["outputArtifacts"] = json::array();
    }
  }
}

Status CheckDeclaration(const json& declaration, const Scope& scope,
                        const PipelineLimits& limits, const CustomActionTypeLookup& custom_types) {
  if (auto status = CheckArtifactStores(declaration, scope); !status) return status;
  if (auto status = CheckV2OnlyFeatures(declaration); !status) return status;
  if (auto status = CheckRollbackForMode(declaration); !status) return status;
  if (auto status = CheckConditionResults(declaration); !status) return status;
  if (auto status = CheckStages(declaration, scope, limits, custom_types); !status) return status;
  return CheckVariablesAndTriggers(declaration);
}

}  // namespace sluice::domain
