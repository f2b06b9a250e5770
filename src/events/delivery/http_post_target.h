// HttpPostTarget: delivers each event as one HTTP POST of its EventBridge
// JSON (Content-Type: application/json) to a URL; any 2xx answer delivers
// it. The queue, order, retries and counts are EventTarget's; thread-safe
// as it is.
#pragma once

#include "events/delivery/event_target.h"
#include "events/delivery/http_post.h"

namespace sluice::events::delivery {

class HttpPostTarget final : public EventTarget {
 public:
  // `transport` sends each request; empty means Post() (tests pass a fake).
  explicit HttpPostTarget(const TargetUrl& url, TargetOptions options = {},
                          HttpTransport transport = {});
};

}  // namespace sluice::events::delivery
