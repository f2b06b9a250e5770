#include "sluice/domain/errors.h"

#include <string>

namespace sluice::domain {

ServiceError PipelineNotFound(const Scope& scope, std::string_view name) {
  return {ErrorCode::kPipelineNotFound, "Account '" + scope.account_id +
                                            "' does not have a pipeline with name '" +
                                            std::string(name) + "'"};
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
