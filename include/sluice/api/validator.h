// The generic model validator: checks a decoded JSON request against an
// input shape of the service model before any operation handler runs.
//
// A JSON value of the wrong type for its member is a SerializationException
// (AWS fails to deserialize before it validates). Otherwise every broken
// constraint is collected, depth-first in the model's member order, into one
// ValidationException whose message follows CodePipeline's form, which never
// echoes the offending value and lists at most ten violations:
//   "2 validation errors detected: Value at 'name' failed to satisfy
//    constraint: Member must not be null; Value at 'maxResults' failed to
//    satisfy constraint: Member must have value less than or equal to 1000"
// Stateless and thread-safe.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include "sluice/api/model.h"
#include "sluice/common/result.h"

namespace sluice::api {

Status ValidateAgainstModel(model::ShapeIndex shape, const nlohmann::json& value);

}  // namespace sluice::api
