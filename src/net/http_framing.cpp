#include "http_framing.h"

#include <boost/beast/http/error.hpp>
#include <cstdint>

namespace sluice::net {

namespace http = boost::beast::http;

void ApplyRequestLimits(RequestParser& parser, const ServerOptions& options) {
  parser.header_limit(static_cast<std::uint32_t>(options.header_limit));
  parser.body_limit(options.body_limit);
}

ParseStep ParseBufferedRequest(RequestParser& parser, boost::beast::flat_buffer& buffer) {
  boost::beast::error_code ec;
  while (buffer.size() > 0 && !parser.is_done()) {
    const std::size_t used = parser.put(buffer.data(), ec);
    buffer.consume(used);
    if (ec == http::error::need_more) {
      ec = {};
      break;
    }
    if (ec || used == 0) break;
  }
  using State = ParseStep::State;
  // The body limit is hit after the header is read, so the answer can use
  // the client's HTTP version; the other failures may come before it is known.
  if (ec == http::error::body_limit) {
    return {State::kRefused, RejectReason::kBodyTooLarge, parser.get().version()};
  }
  if (ec == http::error::header_limit) return {State::kRefused, RejectReason::kHeaderTooLarge};
  if (ec) return {State::kRefused, RejectReason::kMalformedHttp};
  return {parser.is_done() ? State::kComplete : State::kNeedMore};
}

void PrepareForWrite(HttpResponse& response, bool close_after) {
  response.keep_alive(!close_after);
  response.prepare_payload();
}

}  // namespace sluice::net
