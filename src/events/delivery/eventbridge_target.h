// EventBridgeTarget: delivers events to an EventBridge bus with PutEvents
// (AWS JSON 1.1, SigV4-signed for service "events"), up to ten consecutive
// events of one region per call, signed for that region. Entries the answer
// marks failed are resent, with backoff, before any later event; an answer
// that is not a 200 or cannot be read resends the whole batch. The queue,
// order, retries and counts are EventTarget's; thread-safe as it is.
//
// Requests are signed with the system clock, never sluice's own (which may
// be manual): AWS refuses a signature more than five minutes off.
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "events/delivery/event_target.h"
#include "events/delivery/http_post.h"
#include "events/delivery/sigv4_signer.h"

namespace sluice::events::delivery {

class EventBridgeTarget final : public EventTarget {
 public:
  using WallClock = std::function<std::chrono::system_clock::time_point()>;

  // `endpoint` is where PutEvents goes ("http://localhost:4566" for a local
  // emulator); `bus_name` the EventBusName of every entry. `transport` and
  // `now` are for tests: empty means Post() and the system clock.
  EventBridgeTarget(const TargetUrl& endpoint, std::string bus_name, AwsCredentials credentials,
                    TargetOptions options = {}, HttpTransport transport = {}, WallClock now = {});
};

}  // namespace sluice::events::delivery
