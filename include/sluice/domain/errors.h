// The domain's errors, with the messages AWS sends for them, in one place so
// the service and the store word them alike.
#pragma once

#include <cstddef>
#include <string_view>

#include "sluice/common/error.h"
#include "sluice/domain/pipeline.h"

namespace sluice::domain {

ServiceError PipelineNotFound(const Scope& scope, std::string_view name);
ServiceError PipelineVersionNotFound(const Scope& scope, std::string_view name, int version);
ServiceError PipelineNameInUse(const Scope& scope, std::string_view name);
ServiceError ExecutionNotFound(std::string_view pipeline, std::string_view execution_id);
ServiceError StageNotFound(std::string_view pipeline, std::string_view stage);
ServiceError ActionNotFound(std::string_view stage, std::string_view action);

// A per-account, per-Region quota: `things` is "pipelines", "webhooks", ...
ServiceError LimitExceeded(const Scope& scope, std::size_t limit, std::string_view things);
// A page token this server did not give out; `member` names the field
// ("nextToken", or "NextToken" where the model spells it so).
ServiceError InvalidNextToken(std::string_view member = "nextToken");

// Tagging and webhooks.
ServiceError SystemTagKey();
ServiceError TagLimitExceeded(std::string_view arn);
ServiceError InvalidArn(std::string_view arn);
// `kind` is "pipeline", "webhook" or "resource".
ServiceError ResourceNotFound(const Scope& scope, std::string_view kind, std::string_view name);
ServiceError WebhookNotFound(const Scope& scope, std::string_view name);

}  // namespace sluice::domain
