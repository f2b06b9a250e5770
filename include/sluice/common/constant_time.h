// Comparing secrets (signatures, tokens) without telling a caller, through
// the time it takes, how much of a guess was right.
#pragma once

#include <algorithm>
#include <cstddef>
#include <string_view>

namespace sluice {

// Whether `a` equals `b`, looking at every byte of the longer one whatever
// the first difference.
inline bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  const std::size_t n = std::max(a.size(), b.size());
  unsigned diff = a.size() == b.size() ? 0U : 1U;
  for (std::size_t i = 0; i < n; ++i) {
    const auto x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0U;
    const auto y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0U;
    diff |= static_cast<unsigned>(x ^ y);
  }
  return diff == 0;
}

}  // namespace sluice
