// Reads of an execution kept by reference (engine_state.h): the public
// structs of execution.h, with what the declaration says read from the
// pipeline view and what the engine generated derived again from the
// execution's seed. The same execution renders the same on every read.
#include <algorithm>

#include "engine_state.h"

namespace sluice::domain {

namespace {

// The 28 bits of an artifact key's random part: AWS's keys end in 7 hex
// characters.
constexpr ArtifactCode kKeyBits = 0x0FFF'FFFFU;

std::string KeyHex(ArtifactCode code) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(7, '0');
  for (std::size_t i = 0; i < out.size(); ++i) {
    out[out.size() - 1 - i] = kHex[(code >> (4U * i)) & 0xFU];
  }
  return out;
}

}  // namespace

std::string StageRecord::RetryModeName() const {
  return retry_mode ? std::string(ToString(*retry_mode)) : std::string();
}

std::unique_ptr<ArtifactCode[]> ExecutionEngine::Run::Codes(
    const std::vector<std::string>& names) const {
  if (names.empty()) return nullptr;
  auto codes = std::make_unique<ArtifactCode[]>(names.size());
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (!running) continue;
    const auto it = running->artifacts.find(names[i]);
    codes[i] = it == running->artifacts.end() ? 0 : it->second;
  }
  return codes;
}

std::vector<ArtifactLocation> ExecutionEngine::Run::Locations(
    const std::vector<std::string>& names) const {
  const auto codes = Codes(names);
  std::vector<ArtifactLocation> locations;
  locations.reserve(names.size());
  for (std::size_t i = 0; i < names.size(); ++i) locations.push_back(Location(names[i], codes[i]));
  return locations;
}

ArtifactLocation ExecutionEngine::Run::Location(const std::string& name, ArtifactCode code) const {
  if (code == 0) return {name, {}, {}};
  // AWS's key form: pipeline name / artifact name (both cut short) / random.
  return {name, view->artifact_bucket,
          pipeline_name().substr(0, 20) + "/" + name.substr(0, 10) + "/" + KeyHex(code & kKeyBits)};
}

ArtifactCode ExecutionEngine::Run::OutputCode(std::size_t stage, std::size_t position,
                                              std::size_t output) const {
  const std::uint64_t mixed = MixSeed(MixSeed(MixSeed(seed(), stage), position), output);
  return kProduced | (static_cast<ArtifactCode>(mixed) & kKeyBits);
}

SourceOrigin ExecutionEngine::Run::Origin() const {
  if (extras && extras->origin) return *extras->origin;
  return {seed(), start_time, {}};
}

SourceOutcome ExecutionEngine::Run::Source(const SourceOrigin& origin, std::size_t action) const {
  const ActionView& source = view->stages.front().actions[action];
  std::optional<std::string> type;
  std::optional<std::string> value;
  const std::map<std::string, std::string>* details = nullptr;
  for (const SourceOrigin::Given& given : origin.given) {
    if (given.action != action) continue;
    type = given.type;
    value = given.value;
    details = &given.details;
  }
  SourceOutcome outcome = MakeSourceOutcome(source, scope->region, scope->account_id, type, value,
                                            origin.created, MixSeed(origin.seed, action));
  if (details != nullptr) ApplySourceDetails(source, *details, outcome);
  return outcome;
}

std::vector<std::pair<std::string, std::string>> ExecutionEngine::Run::ResolvedConfiguration(
    const ActionView& declared, const ActionRecord& action) const {
  std::size_t keys = declared.configuration.size();
  if (action.extras && action.extras->resolved_keys) keys = *action.extras->resolved_keys;
  std::vector<std::pair<std::string, std::string>> resolved;
  resolved.reserve(keys);
  for (const auto& [key, value] : declared.configuration) {
    if (resolved.size() == keys) break;
    const std::string* differs = nullptr;
    if (action.extras) {
      for (const auto& entry : action.extras->resolved) {
        if (entry.first == key) differs = &entry.second;
      }
    }
    resolved.emplace_back(key, differs != nullptr ? *differs : value);
  }
  return resolved;
}

ActionRun ExecutionEngine::Run::RenderAction(std::size_t stage, std::size_t position) const {
  const StageRecord& stage_record = stages[stage];
  const ActionRecord& record = stage_record.actions[position];
  const ActionView& declared = ActionOf(stage_record, record);
  ActionRun action;
  action.stage_name = StageOf(stage_record).name;
  action.action_name = declared.name;
  action.action_execution_id = record.id.ToString();
  action.run_order = declared.run_order;
  action.status = record.status;
  action.start_time = record.start_time;
  action.last_update_time = record.last_update_time;
  action.due = record.due;
  action.deadline = record.deadline;
  action.replaced = record.replaced;
  if (const ActionExtras* given = record.extras.get()) {
    action.token = given->token;
    action.job_id = given->job_id;
    action.percent_complete = given->percent_complete;
    action.updated_by = given->updated_by;
    action.summary = given->summary;
    action.external_execution_id = given->external_execution_id;
    action.error_code = given->error_code;
    action.error_message = given->error_message;
    action.output_variables = given->output_variables;
  }
  action.category = ToString(declared.category);
  action.owner = ToString(declared.owner);
  action.provider = declared.provider;
  action.version = declared.version;
  action.region = declared.region;
  action.role_arn = declared.role_arn;
  action.ns = declared.ns;
  action.configuration = declared.configuration;
  for (auto& [key, value] : ResolvedConfiguration(declared, record)) {
    action.resolved_configuration.emplace(std::move(key), std::move(value));
  }
  for (std::size_t i = 0; i < declared.input_artifacts.size(); ++i) {
    action.input_artifacts.push_back(Location(declared.input_artifacts[i], record.inputs[i]));
  }
  if (record.status != ActionStatus::kSucceeded) return action;
  for (std::size_t i = 0; i < declared.output_artifacts.size(); ++i) {
    action.output_artifacts.push_back(
        Location(declared.output_artifacts[i], OutputCode(stage, position, i)));
  }
  if (stage_record.stage == 0 && !rollback()) {
    // A source action reports what it picked up when the execution started.
    SourceOutcome source = Source(Origin(), record.action);
    if (record.extras && record.extras->scripted) {
      // What a test scripted wins over what the source picked up.
      for (auto& [key, value] : action.output_variables) source.output_variables[key] = value;
      if (!action.summary.empty()) source.action_summary = action.summary;
      if (!action.external_execution_id.empty()) {
        source.revision.revision_id = action.external_execution_id;
      }
    }
    action.output_variables = std::move(source.output_variables);
    action.summary = std::move(source.action_summary);
    action.external_execution_id = std::move(source.revision.revision_id);
  } else if (action.external_execution_id.empty()) {
    action.external_execution_id = action.action_execution_id;
  }
  return action;
}

PipelineExecution ExecutionEngine::Run::Render(ExecutionDetail detail) const {
  PipelineExecution execution;
  execution.pipeline_name = view->name;
  execution.pipeline_version = view->version;
  execution.id = id_text();
  execution.status = status;
  execution.status_summary = status_summary;
  execution.start_time = start_time;
  execution.last_update_time = last_update_time;
  execution.trigger = *trigger;
  execution.mode = view->mode;
  execution.sequence = sequence;
  if (extras) {
    execution.stop_reason = extras->stop_reason;
    execution.variables = extras->variables;
    if (extras->rollback_target) {
      execution.execution_type = "ROLLBACK";
      execution.rollback_target = extras->rollback_target->ToString();
    }
  }
  const SourceOrigin origin = Origin();
  const std::vector<ActionView>& sources = view->stages.front().actions;
  execution.artifact_revisions.reserve(sources.size());
  execution.source_revisions.reserve(sources.size());
  for (std::size_t i = 0; i < sources.size(); ++i) {
    SourceOutcome outcome = Source(origin, i);
    execution.source_revisions.push_back({sources[i].name, outcome.revision.revision_id,
                                          outcome.revision.revision_summary,
                                          outcome.revision.revision_url});
    execution.artifact_revisions.push_back(std::move(outcome.revision));
  }
  execution.waiting_for_stage = waiting_for_stage;
  if (detail == ExecutionDetail::kSummary) return execution;
  execution.stage_runs.reserve(stages.size());
  for (std::size_t s = 0; s < stages.size(); ++s) {
    const StageRecord& record = stages[s];
    StageRun& stage = execution.stage_runs.emplace_back();
    stage.stage_name = StageOf(record).name;
    stage.stage_index = record.stage;
    stage.status = record.status;
    stage.current_run_order = record.current_run_order;
    stage.actions.reserve(record.actions.size());
    for (std::size_t a = 0; a < record.actions.size(); ++a) stage.actions.push_back(RenderAction(s, a));
    stage.manual_retries = record.manual_retries;
    stage.auto_retries = record.auto_retries;
    stage.conditions = record.conditions;
    stage.retry_mode = record.RetryModeName();
  }
  execution.waiting_for_stage = waiting_for_stage;
  return execution;
}

}  // namespace sluice::domain
