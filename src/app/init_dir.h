// --init-dir: the pipelines, custom action types and webhooks a server
// starts with, as request bodies in *.json files applied in name order
// through the same operations the AWS calls use.
#pragma once

#include <string>

#include "sluice/api/operation_table.h"
#include "sluice/common/result.h"

namespace sluice::app {

// Applies every *.json of `dir` in the scope of `account` and `region`.
// The first file that fails stops it: the error names the file and carries
// the AWS error (its __type and message).
Status ApplyInitDir(const std::string& dir, const api::OperationTable& operations,
                    const std::string& account, const std::string& region);

}  // namespace sluice::app
