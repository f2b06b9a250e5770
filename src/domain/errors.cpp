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

ServiceError PipelineLimitExceeded(const Scope& scope, std::size_t limit) {
  return {ErrorCode::kLimitExceeded, "Account '" + scope.account_id + "' already has " +
                                         std::to_string(limit) + " pipelines in region '" +
                                         scope.region + "', the maximum allowed"};
}

}  // namespace sluice::domain
