// ErrorMapper: the one table from ErrorCode to the AWS error name and HTTP
// status the wire carries. The domain never sees HTTP.
#pragma once

#include <string_view>

#include "sluice/common/error.h"

namespace sluice::protocol {

struct WireError {
  std::string_view type;  // the `__type` and x-amzn-ErrorType value
  unsigned status;        // HTTP status
};

WireError MapError(ErrorCode code);

}  // namespace sluice::protocol
