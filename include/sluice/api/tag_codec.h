// Tags as every tagged resource's operations read and write them
// (CreatePipeline, CreateCustomActionType, ...): one decoder with AWS's
// rules beyond the model, one encoder.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "sluice/common/result.h"
#include "sluice/domain/pipeline.h"

namespace sluice::api {

// Reads the request's optional "tags" member. Checked beyond the model:
// AWS's 50-tag limit (TooManyTagsException), no "aws:" keys and no repeated
// keys (InvalidTagsException).
Result<std::vector<domain::Tag>> DecodeTags(const nlohmann::json& input);

// A TagList as JSON text: [{"key":…,"value":…},…].
std::string EncodeTags(const std::vector<domain::Tag>& tags);

}  // namespace sluice::api
