// ServiceError: the one error type that crosses layers. Errors are values (as
// leveldb's Status); a code names the AWS error and the message is what the
// client reads. protocol/error_mapper turns a code into an HTTP status and an
// AWS error name, so nothing below the protocol layer knows about HTTP.
#pragma once

#include <string>
#include <string_view>
#include <utility>

namespace sluice {

enum class ErrorCode {
  // Protocol-level errors (the AWS JSON 1.1 wire itself).
  kSerialization,
  kUnknownOperation,
  kRequestTooLarge,
  kHeaderTooLarge,
  kMalformedRequest,
  kServiceUnavailable,
  kNotImplemented,
  kInternalFailure,
  // CodePipeline's modelled errors.
  kValidation,
  kActionExecutionNotFound,
  kActionNotFound,
  kActionTypeNotFound,
  kApprovalAlreadyCompleted,
  kConcurrentModification,
  kConcurrentPipelineExecutionsLimitExceeded,
  kConditionNotOverridable,
  kConflict,
  kDuplicatedStopRequest,
  kInvalidActionDeclaration,
  kInvalidApprovalToken,
  kInvalidArn,
  kInvalidBlockerDeclaration,
  kInvalidClientToken,
  kInvalidJob,
  kInvalidJobState,
  kInvalidNextToken,
  kInvalidNonce,
  kInvalidStageDeclaration,
  kInvalidStructure,
  kInvalidTags,
  kInvalidWebhookAuthenticationParameters,
  kInvalidWebhookFilterPattern,
  kJobNotFound,
  kLimitExceeded,
  kNotLatestPipelineExecution,
  kOutputVariablesSizeExceeded,
  kPipelineExecutionNotFound,
  kPipelineExecutionNotStoppable,
  kPipelineExecutionOutdated,
  kPipelineNameInUse,
  kPipelineNotFound,
  kPipelineVersionNotFound,
  kRequestFailed,
  kResourceNotFound,
  kStageNotFound,
  kStageNotRetryable,
  kTooManyTags,
  kUnableToRollbackStage,
  kWebhookNotFound,
};

class ServiceError {
 public:
  ServiceError(ErrorCode code, std::string message)
      : code_(code), message_(std::move(message)) {}

  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // Named factories for the errors most code raises.
  static ServiceError Validation(std::string message) {
    return {ErrorCode::kValidation, std::move(message)};
  }
  static ServiceError Serialization(std::string message) {
    return {ErrorCode::kSerialization, std::move(message)};
  }
  static ServiceError Internal(std::string message) {
    return {ErrorCode::kInternalFailure, std::move(message)};
  }

 private:
  ErrorCode code_;
  std::string message_;
};

}  // namespace sluice
