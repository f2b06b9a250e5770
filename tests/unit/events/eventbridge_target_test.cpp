#include "events/delivery/eventbridge_target.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "events/delivery/put_events.h"
#include "events/delivery_support.h"

namespace sluice::events::delivery {
namespace {

using nlohmann::json;
using testing::Answered;
using testing::Gate;
using testing::HeaderOf;
using testing::MakeEvent;
using testing::QuickOptions;
using testing::RecordingTransport;
using testing::WaitUntil;
using Sequences = std::vector<std::vector<std::uint64_t>>;

const TargetUrl kEndpoint{"localhost", 4566, "/"};
const AwsCredentials kCredentials{"AKIDTEST", "secret", std::nullopt};

// 2023-11-14T22:13:20Z: a fixed signing time.
std::chrono::system_clock::time_point FixedNow() {
  return std::chrono::system_clock::time_point(std::chrono::seconds(1'700'000'000));
}

// The events a PutEvents request carries, by sequence number.
std::vector<std::uint64_t> SequencesIn(const PostRequest& request) {
  std::vector<std::uint64_t> sequences;
  const json body = json::parse(request.body);
  for (const json& entry : body.at("Entries")) {
    const json detail = json::parse(entry.at("Detail").get<std::string>());
    sequences.push_back(detail.at("sequence").get<std::uint64_t>());
  }
  return sequences;
}

Sequences SequencesIn(const std::vector<PostRequest>& requests) {
  Sequences all;
  for (const PostRequest& request : requests) all.push_back(SequencesIn(request));
  return all;
}

// A PutEvents answer for `entries` entries, those in `failed` refused.
PostResult PutEventsAnswer(std::size_t entries, const std::vector<std::size_t>& failed = {}) {
  json list = json::array();
  for (std::size_t i = 0; i < entries; ++i) {
    const bool refused = std::find(failed.begin(), failed.end(), i) != failed.end();
    list.push_back(refused ? json{{"ErrorCode", "InternalFailure"}, {"ErrorMessage", "again"}}
                           : json{{"EventId", "id-" + std::to_string(i)}});
  }
  return Answered(200, json{{"FailedEntryCount", failed.size()}, {"Entries", list}}.dump());
}

// A transport that answers every call with success, the first only once
// the gate opens (so the test can queue behind it).
std::shared_ptr<RecordingTransport> GatedTransport(
    std::shared_ptr<Gate> gate,
    std::function<PostResult(const PostRequest&, std::size_t)> answer = {}) {
  return std::make_shared<RecordingTransport>(
      [gate = std::move(gate), answer = std::move(answer)](const PostRequest& request,
                                                           std::size_t call) {
        if (call == 1) gate->Wait();
        return answer ? answer(request, call) : PutEventsAnswer(SequencesIn(request).size());
      });
}

TEST(EventBridgeTargetTest, SendsASignedPutEventsForTheEventsRegion) {
  struct Case {
    const char* name;
    std::optional<std::string> token;
    const char* signed_headers;
  };
  const Case cases[] = {
      {"key only", std::nullopt, "content-type;host;x-amz-date;x-amz-target"},
      {"session", "session-token",
       "content-type;host;x-amz-date;x-amz-security-token;x-amz-target"},
  };
  for (const Case& c : cases) {
    auto transport = std::make_shared<RecordingTransport>(
        [](const PostRequest& request, std::size_t) {
          return PutEventsAnswer(SequencesIn(request).size());
        });
    AwsCredentials credentials = kCredentials;
    credentials.session_token = c.token;
    EventBridgeTarget target(kEndpoint, "ci-bus", credentials, QuickOptions(),
                             RecordingTransport::Into(transport), FixedNow);
    target.Offer(MakeEvent(1, "eu-west-1"));
    ASSERT_TRUE(WaitUntil([&] { return target.Stats().delivered == 1; })) << c.name;

    const auto requests = transport->requests();
    ASSERT_EQ(requests.size(), 1u) << c.name;
    const PostRequest& request = requests[0];
    EXPECT_EQ(FormatTargetUrl(request.url), "http://localhost:4566/") << c.name;
    EXPECT_EQ(HeaderOf(request, "Content-Type"), "application/x-amz-json-1.1") << c.name;
    EXPECT_EQ(HeaderOf(request, "X-Amz-Target"), "AWSEvents.PutEvents") << c.name;
    EXPECT_EQ(HeaderOf(request, "Host"), "localhost:4566") << c.name;
    EXPECT_EQ(HeaderOf(request, "X-Amz-Date"), "20231114T221320Z") << c.name;
    EXPECT_EQ(HeaderOf(request, "X-Amz-Security-Token"), c.token.value_or("<absent>")) << c.name;

    // The signature is the signer's for exactly this request.
    const SigV4Request signed_request{"POST",
                                      "localhost:4566",
                                      "/",
                                      "",
                                      {{"Content-Type", "application/x-amz-json-1.1"},
                                       {"X-Amz-Target", "AWSEvents.PutEvents"}},
                                      request.body};
    const SigV4Signature expected =
        SignSigV4(signed_request, "eu-west-1", "events", credentials, FixedNow());
    EXPECT_EQ(HeaderOf(request, "Authorization"),
              std::string("AWS4-HMAC-SHA256 Credential=AKIDTEST/20231114/eu-west-1/events/"
                          "aws4_request, SignedHeaders=") +
                  c.signed_headers + ", Signature=" + expected.signature)
        << c.name;
  }
}

TEST(EventBridgeTargetTest, EntriesCarryTheEventAndTheBus) {
  auto transport = std::make_shared<RecordingTransport>(
      [](const PostRequest& request, std::size_t) {
        return PutEventsAnswer(SequencesIn(request).size());
      });
  EventBridgeTarget target(kEndpoint, "ci-bus", kCredentials, QuickOptions(),
                           RecordingTransport::Into(transport), FixedNow);
  target.Offer(MakeEvent(1));
  ASSERT_TRUE(WaitUntil([&] { return target.Stats().delivered == 1; }));
  EXPECT_EQ(transport->requests().at(0).body, PutEventsBody({MakeEvent(1)}, "ci-bus"));
  const json entry = json::parse(transport->requests().at(0).body).at("Entries").at(0);
  EXPECT_EQ(entry.at("Time"), 1'700'000'001);
  EXPECT_EQ(entry.at("EventBusName"), "ci-bus");
  EXPECT_EQ(target.Stats().target, "eventbridge http://localhost:4566/ bus ci-bus");
}

TEST(EventBridgeTargetTest, BatchesHoldAtMostTenEventsOfOneRegion) {
  auto gate = std::make_shared<Gate>();
  auto transport = GatedTransport(gate);
  EventBridgeTarget target(kEndpoint, "default", kCredentials, QuickOptions(),
                           RecordingTransport::Into(transport), FixedNow);
  target.Offer(MakeEvent(1));
  ASSERT_TRUE(WaitUntil([&] { return gate->arrived() == 1; }));
  // 2..13 us-east-1, 14..16 eu-west-1, 17..40 us-east-1.
  for (std::uint64_t i = 2; i <= 40; ++i) {
    target.Offer(MakeEvent(i, i >= 14 && i <= 16 ? "eu-west-1" : "us-east-1"));
  }
  gate->Open();
  ASSERT_TRUE(WaitUntil([&] { return target.Stats().delivered == 40; }));

  const auto requests = transport->requests();
  EXPECT_EQ(SequencesIn(requests),
            (Sequences{{1},
                       {2, 3, 4, 5, 6, 7, 8, 9, 10, 11},
                       {12, 13},
                       {14, 15, 16},
                       {17, 18, 19, 20, 21, 22, 23, 24, 25, 26},
                       {27, 28, 29, 30, 31, 32, 33, 34, 35, 36},
                       {37, 38, 39, 40}}));
  // Each call is signed for its events' region.
  const char* regions[] = {"us-east-1", "us-east-1", "us-east-1", "eu-west-1",
                           "us-east-1", "us-east-1", "us-east-1"};
  for (std::size_t i = 0; i < requests.size(); ++i) {
    EXPECT_NE(HeaderOf(requests[i], "Authorization")
                  .find(std::string("/20231114/") + regions[i] + "/events/aws4_request"),
              std::string::npos)
        << i;
  }
}

TEST(EventBridgeTargetTest, RefusedEntriesAloneAreResentInOrderBeforeLaterEvents) {
  auto gate = std::make_shared<Gate>();
  auto transport = GatedTransport(gate, [](const PostRequest& request, std::size_t call) {
    const std::size_t entries = SequencesIn(request).size();
    // The second call refuses the entries for events 3, 5 and 9 (of 2..11).
    return call == 2 ? PutEventsAnswer(entries, {1, 3, 7}) : PutEventsAnswer(entries);
  });
  EventBridgeTarget target(kEndpoint, "default", kCredentials, QuickOptions(),
                           RecordingTransport::Into(transport), FixedNow);
  target.Offer(MakeEvent(1));
  ASSERT_TRUE(WaitUntil([&] { return gate->arrived() == 1; }));
  for (std::uint64_t i = 2; i <= 12; ++i) target.Offer(MakeEvent(i));
  gate->Open();
  ASSERT_TRUE(WaitUntil([&] { return target.Stats().delivered == 12; }));

  EXPECT_EQ(SequencesIn(transport->requests()),
            (Sequences{{1}, {2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, {3, 5, 9}, {12}}));
  const TargetStats stats = target.Stats();
  EXPECT_EQ(stats.retries, 3u);
  EXPECT_EQ(stats.last_error,
            "PutEvents: 3 of 10 entries refused, first: InternalFailure: again");
}

// Answers that do not say which entries failed resend the whole batch.
TEST(EventBridgeTargetTest, AnAnswerThatIsNotAClearSuccessResendsTheWholeBatch) {
  struct Case {
    PostResult answer;
    const char* error;
  };
  const Case cases[] = {
      {Answered(0), "PutEvents: connecting to target: Connection refused"},
      {Answered(400, R"({"__type":"ValidationException"})"),
       R"(PutEvents: HTTP 400: {"__type":"ValidationException"})"},
      {Answered(500), "PutEvents: HTTP 500"},
      {Answered(204), "PutEvents: HTTP 204"},
      {Answered(200, "<html/>"), "PutEvents: unreadable answer: HTTP 200: <html/>"},
      {Answered(200, R"({"FailedEntryCount":1})"),
       R"(PutEvents: unreadable answer: HTTP 200: {"FailedEntryCount":1})"},
  };
  for (const Case& c : cases) {
    auto gate = std::make_shared<Gate>();
    auto transport = GatedTransport(gate, [&c](const PostRequest& request, std::size_t call) {
      return call == 2 ? c.answer : PutEventsAnswer(SequencesIn(request).size());
    });
    EventBridgeTarget target(kEndpoint, "default", kCredentials, QuickOptions(),
                             RecordingTransport::Into(transport), FixedNow);
    target.Offer(MakeEvent(1));
    ASSERT_TRUE(WaitUntil([&] { return gate->arrived() == 1; })) << c.error;
    for (std::uint64_t i = 2; i <= 4; ++i) target.Offer(MakeEvent(i));
    gate->Open();
    ASSERT_TRUE(WaitUntil([&] { return target.Stats().delivered == 4; })) << c.error;
    EXPECT_EQ(SequencesIn(transport->requests()), (Sequences{{1}, {2, 3, 4}, {2, 3, 4}}))
        << c.error;
    EXPECT_EQ(target.Stats().last_error, c.error);
  }
}

TEST(EventBridgeTargetTest, GivesUpOnEntriesRefusedEveryTime) {
  auto transport = std::make_shared<RecordingTransport>(
      [](const PostRequest& request, std::size_t) {
        const auto sequences = SequencesIn(request);
        std::vector<std::size_t> refused;
        for (std::size_t i = 0; i < sequences.size(); ++i) {
          if (sequences[i] == 2) refused.push_back(i);
        }
        return PutEventsAnswer(sequences.size(), refused);
      });
  EventBridgeTarget target(kEndpoint, "default", kCredentials, QuickOptions(3),
                           RecordingTransport::Into(transport), FixedNow);
  for (std::uint64_t i = 1; i <= 3; ++i) target.Offer(MakeEvent(i));
  ASSERT_TRUE(WaitUntil([&] {
    const TargetStats stats = target.Stats();
    return stats.delivered == 2 && stats.dropped_gave_up == 1;
  }));
  EXPECT_EQ(target.Stats().retries, 2u);
}

}  // namespace
}  // namespace sluice::events::delivery
