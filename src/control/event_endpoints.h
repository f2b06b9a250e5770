// The events under /_sluice/ (README "Events"):
//
//   GET /_sluice/events?after=SEQ&wait=SECONDS&limit=N&<filters>
//     a page of events numbered after SEQ: {"events": [...], "nextAfter",
//     "oldestAvailable"}; with wait, held open until a matching event comes
//     or the wait ends (a long poll)
//   GET /_sluice/events/stream?after=SEQ&<filters>
//     Server-Sent Events: "id: SEQ" and "data: <event>" for each, from after
//     SEQ (or the Last-Event-ID header), until the client goes; ": keepalive"
//     comments while nothing happens, and an "event: gap" naming the first
//     sequence still held when the reader asks for events already dropped
//
//   filters: pipeline, detail-type, execution-id, state (exact values)
//
// Neither holds a thread or a lock while it waits: a waiting reader is a
// watch on the hub and a timer on the connection's strand.
#pragma once

#include <memory>

#include "events/event_hub.h"
#include "sluice/net/request_handler.h"

namespace sluice::control {

class EventEndpoints {
 public:
  explicit EventEndpoints(events::EventHub& hub) : hub_(hub) {}

  // Whether `request` is for /_sluice/events or /_sluice/events/stream.
  static bool Serves(const net::HttpRequest& request);
  // Answers it through `responder`, now or later.
  void Handle(net::HttpRequest&& request, std::shared_ptr<net::Responder> responder);

 private:
  events::EventHub& hub_;
};

}  // namespace sluice::control
