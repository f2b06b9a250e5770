// The engine's side of the job protocol: actions that outside workers do.
// A job is created when its action starts, handed out by a poll (with a
// nonce), acknowledged, and ended by the worker's success or failure, which
// ends the action, or by the job timeout. A success with a continuation token
// ends this job and queues another for the same action.
#include <algorithm>

#include "engine_state.h"
#include "sluice/common/ids.h"
#include "sluice/domain/errors.h"

namespace sluice::domain {

namespace {

// AWS's limit on the output variables of one action, in characters of
// names and values together.
constexpr std::size_t kMaxOutputVariablesSize = 122880;

bool IsFinished(JobStatus status) {
  return status == JobStatus::kSucceeded || status == JobStatus::kFailed ||
         status == JobStatus::kTimedOut;
}

}  // namespace

std::string_view ToString(JobStatus status) {
  switch (status) {
    case JobStatus::kCreated: return "Created";
    case JobStatus::kQueued: return "Queued";
    case JobStatus::kDispatched: return "Dispatched";
    case JobStatus::kInProgress: return "InProgress";
    case JobStatus::kTimedOut: return "TimedOut";
    case JobStatus::kSucceeded: return "Succeeded";
    case JobStatus::kFailed: return "Failed";
  }
  return "Created";
}

bool ExecutionEngine::StartsJob(const ActionView& action) const {
  return action.owner != ActionOwner::kAws || RunsExternally(action.provider);
}

void ExecutionEngine::CreateJob(Run& run, ActionRecord& action) {
  const auto now = clock_.Now();
  const StageRecord& stage_run = run.stages.back();
  const ActionView& view = run.ActionOf(stage_run, action);
  Job job;
  job.id = RandomUuid();
  job.kind = view.owner == ActionOwner::kThirdParty ? JobKind::kThirdParty : JobKind::kCustom;
  job.scope = *run.scope;
  if (job.kind == JobKind::kThirdParty) job.client_id = RandomUuid();
  job.type = {std::string(ToString(view.category)), std::string(ToString(view.owner)), view.provider,
              view.version};
  job.pipeline_name = run.pipeline_name();
  job.execution_id = run.id_text();
  job.stage_name = run.StageOf(stage_run).name;
  job.action_name = view.name;
  job.action_execution_id = action.id.ToString();
  for (auto& [key, value] : run.ResolvedConfiguration(view, action)) {
    job.configuration.emplace(std::move(key), std::move(value));
  }
  for (std::size_t i = 0; i < view.input_artifacts.size(); ++i) {
    job.input_artifacts.push_back(run.Location(view.input_artifacts[i], action.inputs[i]));
  }
  for (const std::string& output : view.output_artifacts) {
    job.output_artifacts.push_back({output, run.view->artifact_bucket,
                                    run.pipeline_name().substr(0, 20) + "/" +
                                        output.substr(0, 10) + "/" + RandomHex(7)});
  }
  // A continuation round: the worker's token and the same deadline.
  if (const std::string& previous_job = action.Extra(&ActionExtras::job_id); !previous_job.empty()) {
    if (const auto previous = jobs_.find(previous_job); previous != jobs_.end()) {
      job.continuation_token = previous->second.continuation_token;
    }
  } else {
    action.deadline = now + options_.job_timeout;
  }
  job.created = now;
  job.sequence = next_job_sequence_++;
  action.Extras().job_id = job.id;
  run.Extras().jobs.push_back(job.id);
  jobs_.emplace(job.id, std::move(job));
}

void ExecutionEngine::CloseJob(ActionRecord& action, JobStatus status) {
  const std::string& job_id = action.Extra(&ActionExtras::job_id);
  if (job_id.empty()) return;
  const auto it = jobs_.find(job_id);
  if (it != jobs_.end() && !IsFinished(it->second.status)) it->second.status = status;
}

template <typename Jobs>
auto ExecutionEngine::FindJobIn(Jobs& jobs, const Scope& scope, std::string_view job_id,
                                const std::optional<std::string>& client_token)
    -> Result<decltype(&jobs.begin()->second)> {
  const auto it = jobs.find(job_id);
  if (it == jobs.end() || it->second.scope.account_id != scope.account_id ||
      it->second.scope.region != scope.region) {
    return JobNotFound(job_id);
  }
  auto& job = it->second;
  if (client_token) {
    if (job.kind != JobKind::kThirdParty) return JobNotFound(job_id);
    if (*client_token != job.client_id) {
      return InvalidClientToken(job.id);
    }
  } else if (job.kind == JobKind::kThirdParty) {
    return JobNotFound(job_id);
  }
  return &job;
}

Result<Job*> ExecutionEngine::FindJob(const Scope& scope, std::string_view job_id,
                                      const std::optional<std::string>& client_token) {
  return FindJobIn(jobs_, scope, job_id, client_token);
}

Result<Job*> ExecutionEngine::FindOpenJob(const Scope& scope, std::string_view job_id,
                                          const std::optional<std::string>& client_token) {
  auto found = FindJob(scope, job_id, client_token);
  if (!found) return found.error();
  const Job& job = **found;
  if (IsFinished(job.status)) {
    return InvalidJobState(job.id, ToString(job.status));
  }
  return found;
}

ExecutionEngine::JobTarget ExecutionEngine::TargetOf(const Job& job) {
  PipelineRuntime* runtime = FindRuntime(job.scope, job.pipeline_name);
  if (runtime == nullptr) return {};
  Run* run = runtime->Find(job.execution_id);
  ActionRecord* action =
      run == nullptr ? nullptr : CurrentAction(*run, job.stage_name, job.action_name);
  if (action == nullptr || action->Extra(&ActionExtras::job_id) != job.id) {
    return {};  // its action has ended
  }
  return {runtime, run, action};
}

std::vector<Job> ExecutionEngine::PollJobs(const Scope& scope, JobKind kind,
                                           const ActionTypeKey& type, std::size_t max_batch,
                                           const std::map<std::string, std::string>& query) {
  ChangeLock lock(*this);
  std::vector<Job*> ready;
  for (auto& slot : jobs_) {
    Job& job = slot.second;  // a name a lambda can capture (clang 14)
    if (job.kind != kind || job.status != JobStatus::kCreated ||
        job.scope.account_id != scope.account_id || job.scope.region != scope.region ||
        job.type.category != type.category || job.type.owner != type.owner ||
        job.type.provider != type.provider || job.type.version != type.version) {
      continue;
    }
    const bool matches = std::all_of(query.begin(), query.end(), [&](const auto& entry) {
      const auto value = job.configuration.find(entry.first);
      return value != job.configuration.end() && value->second == entry.second;
    });
    if (matches) ready.push_back(&job);
  }
  std::sort(ready.begin(), ready.end(),
            [](const Job* a, const Job* b) { return a->sequence < b->sequence; });
  std::vector<Job> dispatched;
  for (Job* job : ready) {
    if (dispatched.size() == max_batch) break;
    job->status = JobStatus::kDispatched;
    job->nonce = RandomUuid();
    MarkJob(*job);
    dispatched.push_back(*job);
  }
  return dispatched;
}

Result<JobStatus> ExecutionEngine::AcknowledgeJob(const Scope& scope, std::string_view job_id,
                                                  std::string_view nonce,
                                                  const std::optional<std::string>& client_token) {
  ChangeLock lock(*this);
  auto found = FindJob(scope, job_id, client_token);
  if (!found) return found.error();
  Job& job = **found;
  if (job.nonce.empty() || job.nonce != nonce) {
    return InvalidNonce(job.id);
  }
  if (job.status == JobStatus::kDispatched) {
    job.status = JobStatus::kInProgress;
    MarkJob(job);
  }
  return job.status;
}

Result<Job> ExecutionEngine::GetJob(const Scope& scope, std::string_view job_id,
                                    const std::optional<std::string>& client_token) const {
  ChangeLock lock(*this);
  auto found = FindJobIn(jobs_, scope, job_id, client_token);
  if (!found) return found.error();
  return **found;
}

Status ExecutionEngine::SucceedJob(const Scope& scope, std::string_view job_id, JobSuccess success,
                                   const std::optional<std::string>& client_token) {
  ChangeLock lock(*this);
  auto found = FindOpenJob(scope, job_id, client_token);
  if (!found) return found.error();
  Job& job = **found;
  MarkJob(job);
  if (success.continuation_token && !success.output_variables.empty()) {
    return ServiceError::Validation(
        "Output variables can only be given with the final result, not with a continuation token");
  }
  std::size_t size = 0;
  for (const auto& [key, value] : success.output_variables) size += key.size() + value.size();
  if (size > kMaxOutputVariablesSize) {
    return OutputVariablesSizeExceeded(kMaxOutputVariablesSize);
  }
  job.status = JobStatus::kSucceeded;
  auto [runtime, run, action] = TargetOf(job);
  if (action == nullptr) return Ok{};
  action->last_update_time = clock_.Now();
  ActionExtras& extras = action->Extras();
  if (success.summary) extras.summary = *success.summary;
  if (success.external_execution_id) extras.external_execution_id = *success.external_execution_id;
  if (success.percent_complete) extras.percent_complete = *success.percent_complete;
  if (success.continuation_token) {
    job.continuation_token = *success.continuation_token;
    CreateJob(*run, *action);  // the next round, for the same action
    ScheduleChanged();
    return Ok{};
  }
  if (success.revision && extras.external_execution_id.empty()) {
    extras.external_execution_id = *success.revision;
  }
  extras.output_variables = std::move(success.output_variables);
  SucceedAction(*run, *action);
  FinishGroupIfDone(*runtime, *run);
  Retire(*runtime);
  ScheduleChanged();
  return Ok{};
}

Status ExecutionEngine::FailJob(const Scope& scope, std::string_view job_id,
                                const JobFailure& failure,
                                const std::optional<std::string>& client_token) {
  ChangeLock lock(*this);
  auto found = FindOpenJob(scope, job_id, client_token);
  if (!found) return found.error();
  Job& job = **found;
  MarkJob(job);
  job.status = JobStatus::kFailed;
  auto [runtime, run, action] = TargetOf(job);
  if (action == nullptr) return Ok{};
  if (failure.external_execution_id) {
    action->Extras().external_execution_id = *failure.external_execution_id;
  }
  FailAction(*run, *action, failure.type, failure.message);
  FinishGroupIfDone(*runtime, *run);
  Retire(*runtime);
  ScheduleChanged();
  return Ok{};
}

}  // namespace sluice::domain
