#include "sluice/protocol/error_mapper.h"

namespace sluice::protocol {

WireError MapError(ErrorCode code) {
  // Every modelled CodePipeline error is a client error (400), as botocore's
  // model declares; only an internal failure is a 500.
  switch (code) {
    case ErrorCode::kSerialization: return {"SerializationException", 400};
    case ErrorCode::kUnknownOperation: return {"UnknownOperationException", 400};
    case ErrorCode::kRequestTooLarge: return {"RequestEntityTooLargeException", 413};
    case ErrorCode::kHeaderTooLarge: return {"RequestHeaderFieldsTooLargeException", 431};
    case ErrorCode::kMalformedRequest: return {"BadRequestException", 400};
    case ErrorCode::kServiceUnavailable: return {"ServiceUnavailableException", 503};
    case ErrorCode::kNotImplemented: return {"NotImplementedException", 501};
    case ErrorCode::kInternalFailure: return {"InternalFailure", 500};
    case ErrorCode::kValidation: return {"ValidationException", 400};
    case ErrorCode::kActionExecutionNotFound: return {"ActionExecutionNotFoundException", 400};
    case ErrorCode::kActionNotFound: return {"ActionNotFoundException", 400};
    case ErrorCode::kActionTypeNotFound: return {"ActionTypeNotFoundException", 400};
    case ErrorCode::kApprovalAlreadyCompleted: return {"ApprovalAlreadyCompletedException", 400};
    case ErrorCode::kConcurrentModification: return {"ConcurrentModificationException", 400};
    case ErrorCode::kConcurrentPipelineExecutionsLimitExceeded:
      return {"ConcurrentPipelineExecutionsLimitExceededException", 400};
    case ErrorCode::kConditionNotOverridable: return {"ConditionNotOverridableException", 400};
    case ErrorCode::kConflict: return {"ConflictException", 400};
    case ErrorCode::kDuplicatedStopRequest: return {"DuplicatedStopRequestException", 400};
    case ErrorCode::kInvalidActionDeclaration: return {"InvalidActionDeclarationException", 400};
    case ErrorCode::kInvalidApprovalToken: return {"InvalidApprovalTokenException", 400};
    case ErrorCode::kInvalidArn: return {"InvalidArnException", 400};
    case ErrorCode::kInvalidBlockerDeclaration: return {"InvalidBlockerDeclarationException", 400};
    case ErrorCode::kInvalidClientToken: return {"InvalidClientTokenException", 400};
    case ErrorCode::kInvalidJob: return {"InvalidJobException", 400};
    case ErrorCode::kInvalidJobState: return {"InvalidJobStateException", 400};
    case ErrorCode::kInvalidNextToken: return {"InvalidNextTokenException", 400};
    case ErrorCode::kInvalidNonce: return {"InvalidNonceException", 400};
    case ErrorCode::kInvalidStageDeclaration: return {"InvalidStageDeclarationException", 400};
    case ErrorCode::kInvalidStructure: return {"InvalidStructureException", 400};
    case ErrorCode::kInvalidTags: return {"InvalidTagsException", 400};
    case ErrorCode::kInvalidWebhookAuthenticationParameters:
      return {"InvalidWebhookAuthenticationParametersException", 400};
    case ErrorCode::kInvalidWebhookFilterPattern:
      return {"InvalidWebhookFilterPatternException", 400};
    case ErrorCode::kJobNotFound: return {"JobNotFoundException", 400};
    case ErrorCode::kLimitExceeded: return {"LimitExceededException", 400};
    case ErrorCode::kNotLatestPipelineExecution:
      return {"NotLatestPipelineExecutionException", 400};
    case ErrorCode::kOutputVariablesSizeExceeded:
      return {"OutputVariablesSizeExceededException", 400};
    case ErrorCode::kPipelineExecutionNotFound: return {"PipelineExecutionNotFoundException", 400};
    case ErrorCode::kPipelineExecutionNotStoppable:
      return {"PipelineExecutionNotStoppableException", 400};
    case ErrorCode::kPipelineExecutionOutdated: return {"PipelineExecutionOutdatedException", 400};
    case ErrorCode::kPipelineNameInUse: return {"PipelineNameInUseException", 400};
    case ErrorCode::kPipelineNotFound: return {"PipelineNotFoundException", 400};
    case ErrorCode::kPipelineVersionNotFound: return {"PipelineVersionNotFoundException", 400};
    case ErrorCode::kRequestFailed: return {"RequestFailedException", 400};
    case ErrorCode::kResourceNotFound: return {"ResourceNotFoundException", 400};
    case ErrorCode::kStageNotFound: return {"StageNotFoundException", 400};
    case ErrorCode::kStageNotRetryable: return {"StageNotRetryableException", 400};
    case ErrorCode::kTooManyTags: return {"TooManyTagsException", 400};
    case ErrorCode::kUnableToRollbackStage: return {"UnableToRollbackStageException", 400};
    case ErrorCode::kWebhookNotFound: return {"WebhookNotFoundException", 400};
  }
  return {"InternalFailure", 500};
}

}  // namespace sluice::protocol
