// Globs for the test controls' matches: `*` any run of characters, `?` one
// character, anything else itself. A pattern without either is an exact match.
#pragma once

#include <string_view>

namespace sluice::control {

bool GlobMatch(std::string_view pattern, std::string_view text);

}  // namespace sluice::control
