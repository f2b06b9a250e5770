#include "events/delivery/eventbridge_target.h"

#include <utility>

#include "events/delivery/put_events.h"

namespace sluice::events::delivery {

namespace {

// One PutEvents call: everything its request needs, and the call itself.
struct PutEventsCall {
  TargetUrl endpoint;
  std::string bus_name;
  AwsCredentials credentials;
  std::chrono::milliseconds timeout;
  HttpTransport transport;
  EventBridgeTarget::WallClock now;

  SendOutcome operator()(const std::vector<EventPtr>& batch) const {
    const std::size_t query_at = endpoint.target.find('?');
    SigV4Request to_sign;
    to_sign.method = "POST";
    to_sign.host = HostHeader(endpoint);
    to_sign.path = endpoint.target.substr(0, query_at);
    to_sign.query = query_at == std::string::npos ? "" : endpoint.target.substr(query_at + 1);
    to_sign.headers = {{"Content-Type", "application/x-amz-json-1.1"},
                       {"X-Amz-Target", "AWSEvents.PutEvents"}};
    to_sign.payload = PutEventsBody(batch, bus_name);
    // Batches hold one region's events, so the first names it for all.
    const SigV4Signature signature =
        SignSigV4(to_sign, batch.front()->region, "events", credentials, now());

    PostRequest request{endpoint, std::move(to_sign.headers), std::move(to_sign.payload), timeout};
    // The Host header sent must be the one signed.
    request.headers.emplace_back("Host", to_sign.host);
    request.headers.insert(request.headers.end(), signature.headers.begin(),
                           signature.headers.end());
    const PostResult result = transport(request);
    if (!result.answered() || result.status != 200) {
      return {batch, "PutEvents: " + DescribeFailure(result)};
    }
    const auto answer = ReadPutEventsAnswer(result.body, batch.size());
    if (!answer) return {batch, "PutEvents: unreadable answer: " + DescribeFailure(result)};
    SendOutcome outcome;
    for (const std::size_t index : answer->failed) outcome.failed.push_back(batch[index]);
    if (!outcome.failed.empty()) outcome.error = "PutEvents: " + answer->error;
    return outcome;
  }
};

std::chrono::system_clock::time_point SystemNow() { return std::chrono::system_clock::now(); }

std::string Describe(const TargetUrl& endpoint, const std::string& bus_name) {
  return "eventbridge " + FormatTargetUrl(endpoint) + " bus " + bus_name;
}

}  // namespace

EventBridgeTarget::EventBridgeTarget(const TargetUrl& endpoint, std::string bus_name,
                                     AwsCredentials credentials, TargetOptions options,
                                     HttpTransport transport, WallClock now)
    : EventTarget(Describe(endpoint, bus_name),
                  PutEventsCall{endpoint, bus_name, std::move(credentials), options.send_timeout,
                                transport ? std::move(transport) : HttpTransport(Post),
                                now ? std::move(now) : WallClock(SystemNow)},
                  Batching{kPutEventsMaxEntries, /*one_region=*/true}, options) {}

}  // namespace sluice::events::delivery
