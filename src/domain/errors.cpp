#include "sluice/domain/errors.h"

#include <string>

namespace sluice::domain {

ServiceError PipelineNotFound(const Scope& scope, std::string_view name) {
  return {ErrorCode::kPipelineNotFound, "Account '" + scope.account_id +
                                            "' does not have a pipeline with name '" +
                                            std::string(name) + "'"};
}

ServiceError PipelineNotFoundToStart(const Scope& scope, std::string_view name) {
  return {ErrorCode::kPipelineNotFound, "Pipeline with name " + std::string(name) +
                                            " does not exist in account " + scope.account_id + "."};
}

ServiceError PipelineVersionNotFound(const Scope& scope, std::string_view name, int version) {
  return {ErrorCode::kPipelineVersionNotFound,
          "Account '" + scope.account_id + "' does not have version " + std::to_string(version) +
              " of the pipeline with name '" + std::string(name) + "'"};
}

ServiceError PipelineNameInUse(const Scope& scope, std::string_view name) {
  return {ErrorCode::kPipelineNameInUse, "A pipeline with the name '" + std::string(name) +
                                             "' already exists in account '" + scope.account_id +
                                             "'"};
}

ServiceError LimitExceeded(const Scope& scope, std::size_t limit, std::string_view things) {
  return {ErrorCode::kLimitExceeded, "Account '" + scope.account_id + "' already has " +
                                         std::to_string(limit) + " " + std::string(things) +
                                         " in region '" + scope.region + "', the maximum allowed"};
}

ServiceError InvalidNextToken(std::string_view member) {
  return {ErrorCode::kInvalidNextToken, "Invalid " + std::string(member)};
}

ServiceError ExecutionNotFound(std::string_view pipeline, std::string_view execution_id) {
  return {ErrorCode::kPipelineExecutionNotFound, "Pipeline execution with id " +
                                                     std::string(execution_id) +
                                                     " does not exist in pipeline " +
                                                     std::string(pipeline) + "."};
}

ServiceError StageNotFound(std::string_view pipeline, std::string_view stage) {
  return {ErrorCode::kStageNotFound, "Stage '" + std::string(stage) +
                                         "' does not exist in pipeline '" +
                                         std::string(pipeline) + "'"};
}

ServiceError ActionNotFound(std::string_view stage, std::string_view action) {
  return {ErrorCode::kActionNotFound, "Action '" + std::string(action) +
                                          "' does not exist in stage '" + std::string(stage) +
                                          "'"};
}

ServiceError ConcurrentExecutionsLimit(ExecutionMode mode, std::size_t limit) {
  return {ErrorCode::kConcurrentPipelineExecutionsLimitExceeded,
          "The pipeline has reached the limit of " + std::to_string(limit) +
              (mode == ExecutionMode::kQueued ? " queued executions in QUEUED mode"
                                              : " executions in progress in PARALLEL mode")};
}

ServiceError NotStoppable(std::string_view execution_id, std::string_view status) {
  return {ErrorCode::kPipelineExecutionNotStoppable,
          "Unable to stop pipeline execution " + std::string(execution_id) + " because it is in " +
              std::string(status) + " state"};
}

ServiceError DuplicatedStopRequest(std::string_view execution_id) {
  return {ErrorCode::kDuplicatedStopRequest,
          "Pipeline execution " + std::string(execution_id) +
              " is already stopping; only stop and abandon is possible now"};
}

ServiceError StageNotRetryable(std::string_view stage, std::string_view execution_id,
                               std::string_view why) {
  return {ErrorCode::kStageNotRetryable, "Stage " + std::string(stage) +
                                             " of pipeline execution " +
                                             std::string(execution_id) +
                                             " cannot be retried: " + std::string(why)};
}

ServiceError NotLatestExecution(std::string_view execution_id, std::string_view stage,
                                std::string_view newer) {
  return {ErrorCode::kNotLatestPipelineExecution,
          "Pipeline execution " + std::string(execution_id) +
              " is not the latest execution in stage " + std::string(stage) + "; execution " +
              std::string(newer) + " is newer"};
}

ServiceError StageInUse(std::string_view stage, std::string_view holder) {
  return {ErrorCode::kConflict, "Stage " + std::string(stage) + " is in use by execution " +
                                    std::string(holder)};
}

ServiceError UnableToRollback(std::string_view stage, std::string_view why) {
  return {ErrorCode::kUnableToRollbackStage,
          "Unable to roll back stage " + std::string(stage) + ": " + std::string(why)};
}

ServiceError ExecutionOutdated(std::string_view execution_id, int ran, int current) {
  return {ErrorCode::kPipelineExecutionOutdated,
          "Execution " + std::string(execution_id) + " ran version " + std::to_string(ran) +
              " of the pipeline; the pipeline is now at version " + std::to_string(current)};
}

ServiceError ConditionNotOverridable(std::string_view execution_id, std::string_view condition,
                                     std::string_view stage) {
  return {ErrorCode::kConditionNotOverridable,
          "Execution " + std::string(execution_id) + " is not evaluating the " +
              std::string(condition) + " condition of stage " + std::string(stage)};
}

ServiceError InvalidApprovalToken(std::string_view token, std::string_view stage,
                                  std::string_view action) {
  return {ErrorCode::kInvalidApprovalToken,
          "The approval token " + std::string(token) + " is not valid for action " +
              std::string(action) + " in stage " + std::string(stage)};
}

ServiceError ApprovalAlreadyCompleted(std::string_view action) {
  return {ErrorCode::kApprovalAlreadyCompleted,
          "The approval action " + std::string(action) + " has already been answered or has ended"};
}

ServiceError JobNotFound(std::string_view job_id) {
  return {ErrorCode::kJobNotFound, "Job " + std::string(job_id) + " not found"};
}

ServiceError InvalidClientToken(std::string_view job_id) {
  return {ErrorCode::kInvalidClientToken,
          "The client token is not valid for job " + std::string(job_id)};
}

ServiceError InvalidNonce(std::string_view job_id) {
  return {ErrorCode::kInvalidNonce,
          "The nonce does not match the one given for job " + std::string(job_id)};
}

ServiceError InvalidJobState(std::string_view job_id, std::string_view status) {
  return {ErrorCode::kInvalidJobState,
          "Job " + std::string(job_id) + " is already " + std::string(status)};
}

ServiceError OutputVariablesSizeExceeded(std::size_t limit) {
  return {ErrorCode::kOutputVariablesSizeExceeded,
          "The output variables exceed the limit of " + std::to_string(limit) + " characters"};
}

ServiceError InvalidBlockerDeclaration(std::string_view stage) {
  return {ErrorCode::kInvalidBlockerDeclaration,
          "Stage '" + std::string(stage) +
              "' declares blockers, which CodePipeline reserves for future use"};
}

ServiceError AwsOwnedActionType(std::string_view type) {
  return {ErrorCode::kRequestFailed,
          "Action type " + std::string(type) + " is owned by AWS and cannot be updated"};
}

ServiceError DuplicateTagKey(std::string_view key) {
  return {ErrorCode::kInvalidTags,
          "Tag keys must be unique. Duplicate tag key: " + std::string(key)};
}

ServiceError TooManyTags(std::size_t limit, std::size_t given) {
  return {ErrorCode::kTooManyTags, "A resource can have at most " + std::to_string(limit) +
                                       " tags; the request has " + std::to_string(given)};
}

ServiceError WebhookNameRequired() {
  return {ErrorCode::kWebhookNotFound, "A webhook name is required"};
}

ServiceError InvalidWebhookFilterPattern(std::string_view json_path) {
  return {ErrorCode::kInvalidWebhookFilterPattern,
          "The JSON path '" + std::string(json_path) +
              "' of a webhook filter is not a valid JSONPath expression"};
}

ServiceError SystemTagKey() {
  return {ErrorCode::kInvalidTags,
          "Not allowed to modify system tags. System tags start with 'aws:'."};
}

ServiceError TagLimitExceeded(std::string_view arn) {
  return {ErrorCode::kTooManyTags, "Tag limit exceeded for resource [" + std::string(arn) + "]."};
}

ServiceError InvalidArn(std::string_view arn) {
  return {ErrorCode::kInvalidArn,
          "The ARN '" + std::string(arn) + "' is not a valid CodePipeline resource ARN"};
}

ServiceError ResourceNotFound(const Scope& scope, std::string_view kind, std::string_view name) {
  return {ErrorCode::kResourceNotFound, "The account with id '" + scope.account_id +
                                            "' does not include a " + std::string(kind) +
                                            " with the name '" + std::string(name) + "'"};
}

ServiceError WebhookNotFound(const Scope& scope, std::string_view name) {
  return {ErrorCode::kWebhookNotFound, "Account '" + scope.account_id +
                                           "' does not have a webhook with name '" +
                                           std::string(name) + "' in region '" + scope.region +
                                           "'"};
}

}  // namespace sluice::domain
