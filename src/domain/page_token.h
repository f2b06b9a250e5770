// Page tokens for listings: the last name a page returned, base64-encoded
// behind a version tag. A page resumes strictly after that name, so pipelines
// added or removed between calls are neither skipped nor repeated.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "sluice/common/result.h"

namespace sluice::domain {

std::string EncodePageToken(std::string_view last_name);
// nullopt when the token was not made by EncodePageToken.
std::optional<std::string> DecodePageToken(std::string_view token);

// Where a listing by name resumes: after the name `next_token` holds, or from
// the start ("") without one. InvalidNextTokenException, naming the request's
// `member` ("nextToken", or ListWebhooks' "NextToken"), for a token
// EncodePageToken did not make.
Result<std::string> PageStart(const std::optional<std::string>& next_token,
                              std::string_view member = "nextToken");

}  // namespace sluice::domain
