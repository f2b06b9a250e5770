// The engine's part of the state document (GET/PUT /_sluice/state): its
// compact records written out member by member, and read back with every
// index checked against the pipeline version the run executes, so that a
// loaded document can never point the engine outside a declaration.
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>
#include <utility>

#include "domain/state_json.h"
#include "engine_state.h"
#include "sluice/domain/engine/execution_engine.h"

namespace sluice::domain {

using nlohmann::json;

struct ExecutionEngine::StagedState {
  Runtimes pipelines;
  std::map<std::string, Job, std::less<>> jobs;
  std::uint64_t next_job_sequence = 1;
};

namespace {

[[noreturn]] void Invalid(const std::string& where, const std::string& what) {
  throw std::invalid_argument(where + ": " + what);
}

json DumpExtras(const ActionExtras& extras) {
  json j = {{"token", extras.token},
            {"job_id", extras.job_id},
            {"updated_by", extras.updated_by},
            {"summary", extras.summary},
            {"external_execution_id", extras.external_execution_id},
            {"error_code", extras.error_code},
            {"error_message", extras.error_message},
            {"percent_complete", extras.percent_complete},
            {"output_variables", extras.output_variables},
            {"scripted", extras.scripted},
            {"resolved", extras.resolved},
            {"resolved_keys", extras.resolved_keys}};
  j["script"] = extras.script ? json(*extras.script) : json(nullptr);
  return j;
}

std::unique_ptr<ActionExtras> ParseExtras(const json& j) {
  auto extras = std::make_unique<ActionExtras>();
  extras->token = j.at("token").get<std::string>();
  extras->job_id = j.at("job_id").get<std::string>();
  extras->updated_by = j.at("updated_by").get<std::string>();
  extras->summary = j.at("summary").get<std::string>();
  extras->external_execution_id = j.at("external_execution_id").get<std::string>();
  extras->error_code = j.at("error_code").get<std::string>();
  extras->error_message = j.at("error_message").get<std::string>();
  extras->percent_complete = j.at("percent_complete").get<std::optional<int>>();
  extras->output_variables = j.at("output_variables").get<std::map<std::string, std::string>>();
  extras->scripted = j.at("scripted").get<bool>();
  extras->resolved = j.at("resolved").get<std::vector<std::pair<std::string, std::string>>>();
  extras->resolved_keys = j.at("resolved_keys").get<std::optional<std::size_t>>();
  if (!j.at("script").is_null()) {
    extras->script = std::make_unique<ScriptedOutcome>(j.at("script").get<ScriptedOutcome>());
  }
  return extras;
}

json DumpOrigin(const SourceOrigin& origin) {
  json given = json::array();
  for (const auto& entry : origin.given) {
    json item = {{"action", entry.action}, {"type", entry.type}, {"value", entry.value}};
    // Only a trigger's revisions have details; documents without them still load.
    if (!entry.details.empty()) item["details"] = entry.details;
    given.push_back(std::move(item));
  }
  return {{"seed", origin.seed}, {"created", origin.created}, {"given", std::move(given)}};
}

SourceOrigin ParseOrigin(const json& j, std::size_t sources, const std::string& where) {
  SourceOrigin origin;
  origin.seed = j.at("seed").get<std::uint64_t>();
  origin.created = j.at("created").get<Clock::TimePoint>();
  for (const json& entry : j.at("given")) {
    SourceOrigin::Given given;
    given.action = entry.at("action").get<std::uint16_t>();
    if (given.action >= sources) Invalid(where, "a given revision names no source action");
    given.type = entry.at("type").get<std::optional<std::string>>();
    given.value = entry.at("value").get<std::string>();
    if (entry.contains("details")) {
      given.details = entry.at("details").get<std::map<std::string, std::string>>();
    }
    origin.given.push_back(std::move(given));
  }
  return origin;
}

}  // namespace

json ExecutionEngine::RuntimeJson(const PipelineRuntime& runtime,
                                  const std::vector<const Run*>& picked) const {
  json runs = json::array();
  json jobs = json::array();
  for (const Run* run_pointer : picked) {
    const Run& run = *run_pointer;
    json stages = json::array();
    for (const StageRecord& stage : run.stages) {
      json actions = json::array();
      for (std::size_t a = 0; a < stage.actions.size(); ++a) {
        const ActionRecord& action = stage.actions[a];
        const std::size_t inputs = run.ActionOf(stage, action).input_artifacts.size();
        json codes = json::array();
        for (std::size_t i = 0; i < inputs; ++i) codes.push_back(action.inputs[i]);
        actions.push_back({{"action", action.action},
                           {"id", action.id},
                           {"status", action.status},
                           {"replaced", action.replaced},
                           {"start_time", action.start_time},
                           {"last_update_time", action.last_update_time},
                           {"due", action.due},
                           {"deadline", action.deadline},
                           {"inputs", std::move(codes)},
                           {"extras", action.extras ? DumpExtras(*action.extras) : json(nullptr)}});
      }
      stages.push_back({{"stage", stage.stage},
                        {"status", stage.status},
                        {"current_run_order", stage.current_run_order},
                        {"retry_mode", stage.retry_mode},
                        {"manual_retries", stage.manual_retries},
                        {"auto_retries", stage.auto_retries},
                        {"last_retry", stage.last_retry},
                        {"conditions", stage.conditions},
                        {"actions", std::move(actions)}});
    }
    json extras = nullptr;
    if (run.extras) {
      const RunExtras& given = *run.extras;
      extras = {{"stop_reason", given.stop_reason},
                {"variables", given.variables},
                {"rollback_target", given.rollback_target},
                {"origin", given.origin ? DumpOrigin(*given.origin) : json(nullptr)},
                {"jobs", given.jobs},
                {"client_request_token", given.client_request_token}};
    }
    json running = nullptr;
    if (run.running) {
      running = {{"variables", run.running->variables}, {"artifacts", run.running->artifacts}};
    }
    runs.push_back({{"version", run.view->version},
                    {"trigger", *run.trigger},
                    {"id", run.id},
                    {"sequence", run.sequence},
                    {"start_time", run.start_time},
                    {"last_update_time", run.last_update_time},
                    {"status_summary", run.status_summary},
                    {"status", run.status},
                    {"cancel_when_idle", run.cancel_when_idle},
                    {"waiting_for_stage", run.waiting_for_stage},
                    {"only_stage", run.only_stage},
                    {"stages", std::move(stages)},
                    {"extras", std::move(extras)},
                    {"running", std::move(running)}});
    if (run.extras) {
      for (const std::string& id : run.extras->jobs) {
        if (const auto job = jobs_.find(id); job != jobs_.end()) jobs.push_back(job->second);
      }
    }
  }
  json holders = json::object();
  for (const auto& [stage, id] : runtime.holders) holders[stage] = id;
  return {{"scope", runtime.scope},
          {"pipeline", runtime.name},
          {"next_sequence", runtime.next_sequence},
          {"holders", std::move(holders)},
          {"tokens", runtime.tokens},
          {"inbound_blocks", runtime.inbound_blocks},
          {"outbound_blocks", runtime.outbound_blocks},
          {"runs", std::move(runs)},
          {"jobs", std::move(jobs)}};
}

std::vector<const ExecutionEngine::Run*> ExecutionEngine::AllRuns(const PipelineRuntime& runtime) {
  std::vector<const Run*> runs;
  runs.reserve(runtime.runs.size());
  for (const auto& run : runtime.runs) runs.push_back(run.get());
  return runs;
}

json ExecutionEngine::DumpState() const {
  ChangeLock lock(*this);
  json runtimes = json::array();
  for (const auto& [key, runtime] : pipelines_) {
    json entry = RuntimeJson(*runtime, AllRuns(*runtime));
    entry.erase("jobs");  // the document keeps them in one list, below
    runtimes.push_back(std::move(entry));
  }
  json jobs = json::array();
  for (const auto& [id, job] : jobs_) jobs.push_back(job);
  return {{"pipelines", std::move(runtimes)},
          {"jobs", std::move(jobs)},
          {"next_job_sequence", next_job_sequence_}};
}

std::shared_ptr<ExecutionEngine::StagedState> ExecutionEngine::ParseState(
    const json& state, const ViewLookup& views) const {
  auto staged = std::make_shared<StagedState>();
  std::size_t p = 0;
  for (const json& entry : state.at("pipelines")) {
    const std::string where_pipeline = "engine.pipelines[" + std::to_string(p++) + "]";
    auto runtime = std::make_unique<PipelineRuntime>();
    runtime->scope = ReadAt<Scope>(entry.at("scope"), where_pipeline + ".scope");
    const auto name = ReadAt<std::string>(entry.at("pipeline"), where_pipeline + ".pipeline");
    runtime->name = name;
    runtime->journaled = true;  // read from a document: the journal has it
    runtime->next_sequence = ReadAt<std::uint64_t>(entry.at("next_sequence"), where_pipeline);
    runtime->tokens = ReadAt<std::map<std::string, std::string, std::less<>>>(entry.at("tokens"),
                                                                             where_pipeline);
    runtime->inbound_blocks = ReadAt<std::map<std::string, TransitionBlock, std::less<>>>(
        entry.at("inbound_blocks"), where_pipeline);
    runtime->outbound_blocks = ReadAt<std::map<std::string, TransitionBlock, std::less<>>>(
        entry.at("outbound_blocks"), where_pipeline);
    std::size_t r = 0;
    for (const json& run_json : entry.at("runs")) {
      const std::string where = where_pipeline + ".runs[" + std::to_string(r++) + "]";
      try {
        auto run = std::make_unique<Run>();
        const int version = run_json.at("version").get<int>();
        run->view = views(runtime->scope, name, version);
        if (!run->view) Invalid(where, "pipeline " + name + " has no version " + std::to_string(version));
        run->scope = &runtime->scope;
        run->trigger = std::make_shared<const ExecutionTrigger>(run_json.at("trigger").get<ExecutionTrigger>());
        run->id = run_json.at("id").get<Uuid>();
        run->sequence = run_json.at("sequence").get<std::uint64_t>();
        run->start_time = run_json.at("start_time").get<Clock::TimePoint>();
        run->last_update_time = run_json.at("last_update_time").get<Clock::TimePoint>();
        run->status_summary = run_json.at("status_summary").get<std::string>();
        run->status = run_json.at("status").get<ExecutionStatus>();
        run->cancel_when_idle = run_json.at("cancel_when_idle").get<bool>();
        run->waiting_for_stage = run_json.at("waiting_for_stage").get<std::optional<std::uint16_t>>();
        run->only_stage = run_json.at("only_stage").get<std::optional<std::uint16_t>>();
        const std::size_t declared = run->view->stages.size();
        if ((run->waiting_for_stage && *run->waiting_for_stage >= declared) ||
            (run->only_stage && *run->only_stage >= declared)) {
          Invalid(where, "names a stage the pipeline does not declare");
        }
        for (const json& stage_json : run_json.at("stages")) {
          StageRecord& stage = run->stages.emplace_back();
          stage.stage = stage_json.at("stage").get<std::uint16_t>();
          if (stage.stage >= declared) Invalid(where, "a stage run names no declared stage");
          stage.status = stage_json.at("status").get<StageStatus>();
          stage.current_run_order = stage_json.at("current_run_order").get<std::int64_t>();
          stage.retry_mode = stage_json.at("retry_mode").get<std::optional<RetryMode>>();
          stage.manual_retries = stage_json.at("manual_retries").get<std::uint16_t>();
          stage.auto_retries = stage_json.at("auto_retries").get<std::uint16_t>();
          // Optional: documents written before it was kept load as never retried.
          if (const auto it = stage_json.find("last_retry"); it != stage_json.end()) {
            stage.last_retry = it->get<std::optional<Clock::TimePoint>>();
          }
          stage.conditions = stage_json.at("conditions").get<std::vector<ConditionRun>>();
          const StageView& view = run->view->stages[stage.stage];
          for (const ConditionRun& condition : stage.conditions) {
            // The engine reads a condition's rules beside their declarations.
            const auto& declaration = condition.kind == ConditionKind::kBeforeEntry ? view.before_entry
                                      : condition.kind == ConditionKind::kOnSuccess ? view.on_success
                                                                                    : view.on_failure;
            if (!declaration || declaration->rules.size() != condition.rules.size()) {
              Invalid(where, "a condition run does not match stage " + view.name + "'s declaration");
            }
          }
          for (const json& action_json : stage_json.at("actions")) {
            ActionRecord& action = stage.actions.emplace_back();
            action.action = action_json.at("action").get<std::uint16_t>();
            if (action.action >= view.actions.size()) {
              Invalid(where, "an action run names no action of stage " + view.name);
            }
            action.id = action_json.at("id").get<Uuid>();
            action.status = action_json.at("status").get<ActionStatus>();
            action.replaced = action_json.at("replaced").get<bool>();
            action.start_time = action_json.at("start_time").get<Clock::TimePoint>();
            action.last_update_time = action_json.at("last_update_time").get<Clock::TimePoint>();
            action.due = action_json.at("due").get<std::optional<Clock::TimePoint>>();
            action.deadline = action_json.at("deadline").get<std::optional<Clock::TimePoint>>();
            const auto codes = action_json.at("inputs").get<std::vector<ArtifactCode>>();
            if (codes.size() != view.actions[action.action].input_artifacts.size()) {
              Invalid(where, "an action run's inputs do not match its declaration");
            }
            action.inputs = std::make_unique<ArtifactCode[]>(codes.size());
            for (std::size_t i = 0; i < codes.size(); ++i) action.inputs[i] = codes[i];
            if (!action_json.at("extras").is_null()) action.extras = ParseExtras(action_json.at("extras"));
          }
        }
        if (!run_json.at("extras").is_null()) {
          const json& extras = run_json.at("extras");
          RunExtras& given = run->Extras();
          given.stop_reason = extras.at("stop_reason").get<std::optional<std::string>>();
          given.variables = extras.at("variables").get<std::vector<ResolvedVariable>>();
          given.rollback_target = extras.at("rollback_target").get<std::optional<Uuid>>();
          if (!extras.at("origin").is_null()) {
            given.origin = ParseOrigin(extras.at("origin"), run->view->stages.front().actions.size(), where);
          }
          given.jobs = extras.at("jobs").get<std::vector<std::string>>();
          given.client_request_token = extras.at("client_request_token").get<std::optional<std::string>>();
        }
        if (!run_json.at("running").is_null()) {
          run->running = std::make_unique<RunningState>();
          run->running->variables = run_json.at("running").at("variables").get<VariableScope>();
          run->running->artifacts = run_json.at("running").at("artifacts").get<std::map<std::string, ArtifactCode, std::less<>>>();
        }
        if (run->active() && (!run->running || (run->stages.empty() && !run->waiting_for_stage))) {
          Invalid(where, "an execution in progress has no stage to be in");
        }
        if (!runtime->by_id.emplace(run->id, run.get()).second) Invalid(where, "repeats an execution id");
        if (run->active()) runtime->active.push_back(run.get());
        if (!run->active()) ++runtime->finished;
        runtime->last_trigger = run->trigger;
        runtime->runs.push_back(std::move(run));
      } catch (const std::invalid_argument&) {
        throw;
      } catch (const std::exception& e) {
        Invalid(where, e.what());
      }
    }
    for (const auto& [stage, id] : ReadAt<std::map<std::string, Uuid>>(entry.at("holders"),
                                                                        where_pipeline)) {
      if (!runtime->by_id.contains(id)) Invalid(where_pipeline, "stage " + stage + " is held by no execution");
      runtime->holders.emplace(stage, id);
    }
    const std::string key = RuntimeKey(runtime->scope, name);
    if (!staged->pipelines.emplace(key, std::move(runtime)).second) {
      Invalid(where_pipeline, "repeats pipeline " + key);
    }
  }
  for (Job& job : ReadAt<std::vector<Job>>(state.at("jobs"), "engine.jobs")) {
    const std::string id = job.id;
    if (!staged->jobs.emplace(id, std::move(job)).second) Invalid("engine.jobs", "repeats job " + id);
  }
  staged->next_job_sequence = ReadAt<std::uint64_t>(state.at("next_job_sequence"), "engine");
  return staged;
}

void ExecutionEngine::CommitState(std::shared_ptr<StagedState> staged) {
  ChangeLock lock(*this);
  pipelines_ = std::move(staged->pipelines);
  jobs_ = std::move(staged->jobs);
  next_job_sequence_ = staged->next_job_sequence;
  busy_.clear();
  for (const auto& [key, runtime] : pipelines_) {
    if (!runtime->active.empty()) busy_.insert(runtime.get());
  }
  ScheduleChanged();
}

}  // namespace sluice::domain
