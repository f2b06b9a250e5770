// Jobs: the work CodePipeline hands to outside workers. A custom action (or
// a third-party one, or an AWS-owned provider sluice is told to hand out)
// becomes a job when its action starts; workers poll for it, acknowledge it
// with its nonce and report success or failure, which completes the action.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/common/clock.h"
#include "sluice/domain/engine/execution.h"
#include "sluice/domain/pipeline/pipeline.h"

namespace sluice::domain {

enum class JobStatus { kCreated, kQueued, kDispatched, kInProgress, kTimedOut, kSucceeded, kFailed };
std::string_view ToString(JobStatus status);

enum class JobKind { kCustom, kThirdParty };

struct ActionTypeKey {
  std::string category;
  std::string owner;
  std::string provider;
  std::string version;
};

struct Job {
  std::string id;
  JobKind kind = JobKind::kCustom;
  JobStatus status = JobStatus::kCreated;
  Scope scope;
  std::string nonce;      // given out when the job is dispatched
  std::string client_id;  // third-party jobs: the worker presents it as its client token
  ActionTypeKey type;
  std::string pipeline_name;
  std::string execution_id;
  std::string stage_name;
  std::string action_name;
  std::string action_execution_id;
  std::map<std::string, std::string> configuration;  // resolved
  std::vector<ArtifactLocation> input_artifacts;
  std::vector<ArtifactLocation> output_artifacts;  // where the worker is to put them
  std::string continuation_token;                  // from the previous round, if any
  Clock::TimePoint created;
  std::uint64_t sequence = 0;  // creation order: polls hand out the oldest first
};

struct JobSuccess {
  std::optional<std::string> continuation_token;
  std::optional<std::string> revision;  // currentRevision.revision
  std::optional<std::string> summary;
  std::optional<std::string> external_execution_id;
  std::optional<int> percent_complete;
  std::map<std::string, std::string> output_variables;
};

struct JobFailure {
  std::string type;  // FailureType
  std::string message;
  std::optional<std::string> external_execution_id;
};

}  // namespace sluice::domain
