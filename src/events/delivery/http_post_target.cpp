#include "events/delivery/http_post_target.h"

#include <utility>

namespace sluice::events::delivery {

namespace {

BatchSender PostEachEvent(const TargetUrl& url, std::chrono::milliseconds timeout,
                          HttpTransport transport) {
  if (!transport) transport = Post;
  return [url, timeout, transport = std::move(transport)](const std::vector<EventPtr>& batch) {
    SendOutcome outcome;
    for (std::size_t i = 0; i < batch.size(); ++i) {
      const PostResult result =
          transport({url, {{"Content-Type", "application/json"}}, batch[i]->json, timeout});
      if (result.ok()) continue;
      // This one and the rest go again, in order.
      outcome.failed.assign(batch.begin() + static_cast<std::ptrdiff_t>(i), batch.end());
      outcome.error = DescribeFailure(result);
      break;
    }
    return outcome;
  };
}

}  // namespace

HttpPostTarget::HttpPostTarget(const TargetUrl& url, TargetOptions options,
                               HttpTransport transport)
    // One event per request: a webhook expects one event per POST.
    : EventTarget(FormatTargetUrl(url),
                  PostEachEvent(url, options.send_timeout, std::move(transport)),
                  Batching{1, false}, options) {}

}  // namespace sluice::events::delivery
