// HTTP framing as every session does it: one fresh Beast parser per request,
// carrying the server's header and body limits and fed from the bytes the
// connection has buffered; and the Connection and Content-Length headers of
// each response. HttpSession does the socket I/O and calls these; the HTTP
// fuzzer (tests/fuzz) calls the same functions on bytes with no socket, so
// both read requests and frame responses alike. Plain functions, no state.
#pragma once

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include "sluice/net/request_handler.h"
#include "sluice/net/server.h"

namespace sluice::net {

using RequestParser = boost::beast::http::request_parser<boost::beast::http::string_body>;

// Gives a fresh parser the server's limits. Beast requires a new parser per
// message, so this runs once per request.
void ApplyRequestLimits(RequestParser& parser, const ServerOptions& options);

// Where feeding the buffered bytes left the request.
struct ParseStep {
  enum class State {
    kNeedMore,  // the buffer is used up and the request is not whole yet
    kComplete,  // parser.release() gives the request; the buffer may hold the next one
    kRefused,   // the request cannot be read: answer `refusal` and close
  };
  State state = State::kNeedMore;
  RejectReason refusal = RejectReason::kMalformedHttp;
  unsigned http_version = 11;  // for the refusal's status line
};

// Feeds what `buffer` holds to `parser`, consuming what it used.
ParseStep ParseBufferedRequest(RequestParser& parser, boost::beast::flat_buffer& buffer);

// Frames a response for writing: keep-alive or close, and its Content-Length.
void PrepareForWrite(HttpResponse& response, bool close_after);

}  // namespace sluice::net
