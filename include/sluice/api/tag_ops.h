// Tagging operations: TagResource, UntagResource and ListTagsForResource over
// domain::TaggingService, plus the tag list codec that the operations which
// create a taggable resource (CreatePipeline, PutWebhook) share.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <vector>

#include "sluice/api/operation_table.h"
#include "sluice/common/result.h"
#include "sluice/domain/pipeline/pipeline.h"
#include "sluice/domain/registry/tagging.h"

namespace sluice::api {

// The request's "tags" (absent: none), checked beyond the model with the
// rules for a new resource's tags (domain::CheckNewTags).
Result<std::vector<domain::Tag>> DecodeTags(const nlohmann::json& input);

// A TagList as the model writes it: [{"key":…,"value":…}, …].
nlohmann::json TagsJson(const std::vector<domain::Tag>& tags);

void RegisterTagOps(OperationTable& table, domain::TaggingService& service);

}  // namespace sluice::api
