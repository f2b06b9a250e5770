// The domain's errors, with the messages AWS sends for them, in one place so
// the service and the store word them alike.
#pragma once

#include <cstddef>
#include <string_view>

#include "sluice/common/error.h"
#include "sluice/domain/pipeline/pipeline.h"

namespace sluice::domain {

ServiceError PipelineNotFound(const Scope& scope, std::string_view name);
// StartPipelineExecution words it differently, and sluice follows (README).
ServiceError PipelineNotFoundToStart(const Scope& scope, std::string_view name);
ServiceError PipelineVersionNotFound(const Scope& scope, std::string_view name, int version);
ServiceError PipelineNameInUse(const Scope& scope, std::string_view name);
ServiceError ExecutionNotFound(std::string_view pipeline, std::string_view execution_id);
ServiceError StageNotFound(std::string_view pipeline, std::string_view stage);
ServiceError ActionNotFound(std::string_view stage, std::string_view action);

// A per-account, per-Region quota: `things` is "pipelines", "webhooks", ...
ServiceError LimitExceeded(const Scope& scope, std::size_t limit, std::string_view things);
// A page token this server did not give out; `member` names the field
// ("nextToken", or "NextToken" where the model spells it so).
ServiceError InvalidNextToken(std::string_view member = "nextToken");

// Executions in flight. `execution_id` is the execution the request named.
// `limit` executions in progress (PARALLEL) or waiting to start (QUEUED).
ServiceError ConcurrentExecutionsLimit(ExecutionMode mode, std::size_t limit);
ServiceError NotStoppable(std::string_view execution_id, std::string_view status);
ServiceError DuplicatedStopRequest(std::string_view execution_id);
// `why` finishes "cannot be retried: ".
ServiceError StageNotRetryable(std::string_view stage, std::string_view execution_id,
                               std::string_view why);
// `newer` is the newer execution through the stage.
ServiceError NotLatestExecution(std::string_view execution_id, std::string_view stage,
                                std::string_view newer);
// Another execution holds the stage (SUPERSEDED and QUEUED) or runs in it.
ServiceError StageInUse(std::string_view stage, std::string_view holder);
// `why` finishes "Unable to roll back stage S: ".
ServiceError UnableToRollback(std::string_view stage, std::string_view why);
ServiceError ExecutionOutdated(std::string_view execution_id, int ran, int current);
// `condition` is beforeEntry, onSuccess or onFailure.
ServiceError ConditionNotOverridable(std::string_view execution_id, std::string_view condition,
                                     std::string_view stage);
ServiceError InvalidApprovalToken(std::string_view token, std::string_view stage,
                                  std::string_view action);
ServiceError ApprovalAlreadyCompleted(std::string_view action);

// Jobs.
ServiceError JobNotFound(std::string_view job_id);
ServiceError InvalidClientToken(std::string_view job_id);
ServiceError InvalidNonce(std::string_view job_id);
ServiceError InvalidJobState(std::string_view job_id, std::string_view status);
ServiceError OutputVariablesSizeExceeded(std::size_t limit);

// Declarations.
ServiceError InvalidBlockerDeclaration(std::string_view stage);
ServiceError AwsOwnedActionType(std::string_view type);

// Tagging and webhooks.
ServiceError SystemTagKey();
ServiceError DuplicateTagKey(std::string_view key);
ServiceError TooManyTags(std::size_t limit, std::size_t given);
ServiceError TagLimitExceeded(std::string_view arn);
ServiceError InvalidArn(std::string_view arn);
// `kind` is "pipeline", "webhook" or "resource".
ServiceError ResourceNotFound(const Scope& scope, std::string_view kind, std::string_view name);
ServiceError WebhookNotFound(const Scope& scope, std::string_view name);
ServiceError WebhookNameRequired();
ServiceError InvalidWebhookFilterPattern(std::string_view json_path);

}  // namespace sluice::domain
