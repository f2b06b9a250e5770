#include "sluice/api/operation_table.h"

#include <nlohmann/json.hpp>
#include <stdexcept>

#include "sluice/api/validator.h"

namespace sluice::api {

void OperationTable::Register(std::string_view operation, OperationHandler handler) {
  const model::Operation* op = model::FindOperation(operation);
  if (op == nullptr) {
    throw std::logic_error("no CodePipeline operation named " + std::string(operation));
  }
  handlers_[op->name] = std::move(handler);
}

Result<std::string> OperationTable::Invoke(const CallContext& context,
                                           const model::Operation& operation,
                                           const nlohmann::json& input) const {
  if (operation.input != model::kNoShape) {
    if (auto status = ValidateAgainstModel(operation.input, input); !status) return status.error();
  }
  const auto it = handlers_.find(operation.name);
  if (it == handlers_.end()) {
    return ServiceError(ErrorCode::kNotImplemented,
                        "sluice does not implement the CodePipeline operation " +
                            std::string(operation.name) + " yet");
  }
  return it->second(context, input);
}

bool OperationTable::IsImplemented(std::string_view operation) const {
  return handlers_.contains(operation);
}

}  // namespace sluice::api
