// HttpHeaders: the headers of one outgoing request as name/value pairs, in
// the order they are written. Plain data shared by the signer and the
// poster, so that neither needs the other (nor Beast) to describe a request.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace sluice::events::delivery {

using HttpHeader = std::pair<std::string, std::string>;
using HttpHeaders = std::vector<HttpHeader>;

}  // namespace sluice::events::delivery
