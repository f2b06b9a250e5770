// Page tokens for listings: the last name a page returned, base64-encoded
// behind a version tag. A page resumes strictly after that name, so pipelines
// added or removed between calls are neither skipped nor repeated.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace sluice::domain {

std::string EncodePageToken(std::string_view last_name);
// nullopt when the token was not made by EncodePageToken.
std::optional<std::string> DecodePageToken(std::string_view token);

}  // namespace sluice::domain
