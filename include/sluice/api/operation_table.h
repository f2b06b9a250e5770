// OperationTable: every CodePipeline operation of the model, with the handler
// that implements it. Invoke validates the input against the model first, so
// handlers decode requests that are known to be well formed. An operation
// without a handler answers NotImplementedException, naming itself.
// Registration happens at start-up; afterwards the table is read-only and
// safe to use from any thread.
#pragma once

#include <functional>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "sluice/api/call_context.h"
#include "sluice/api/model.h"
#include "sluice/common/result.h"

namespace sluice::api {

// Returns the response body (JSON text).
using OperationHandler =
    std::function<Result<std::string>(const CallContext& context, const nlohmann::json& input)>;

class OperationTable {
 public:
  void Register(std::string_view operation, OperationHandler handler);

  Result<std::string> Invoke(const CallContext& context, const model::Operation& operation,
                             const nlohmann::json& input) const;

  bool IsImplemented(std::string_view operation) const;

 private:
  // Keys view the model's static operation names.
  std::unordered_map<std::string_view, OperationHandler> handlers_;
};

}  // namespace sluice::api
