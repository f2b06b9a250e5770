// --init-dir: the pipelines, custom action types and webhooks a server
// starts with, as request bodies in *.json files applied in name order
// through the same operations the AWS calls use.
#pragma once

#include <functional>
#include <optional>
#include <nlohmann/json_fwd.hpp>
#include <string>

#include "sluice/api/operation_table.h"
#include "sluice/common/result.h"

namespace sluice::app {

// Loads a state document (GET /_sluice/state's); returns the reason it was
// refused, or nothing.
using StateLoader = std::function<std::optional<std::string>(const nlohmann::json& document)>;

// Applies every *.json of `dir` in the scope of `account` and `region`:
// request bodies through `operations`, state documents through `load_state`.
// The first file that fails stops it: the error names the file and carries
// the AWS error (its __type and message) or the state's reason.
Status ApplyInitDir(const std::string& dir, const api::OperationTable& operations,
                    const StateLoader& load_state, const std::string& account,
                    const std::string& region);

}  // namespace sluice::app
