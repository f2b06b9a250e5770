// The events an execution's changes become: their detail-types, states and
// `detail` members, compared with the examples of AWS's "Monitoring
// CodePipeline events" page, member by member.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "events/event_hub.h"
#include "events/event_renderer.h"
#include "support/engine_fixture.h"

namespace sluice::events {
namespace {

using domain::kScope;
using domain::kStep;
using nlohmann::json;

// The `detail` members each of AWS's examples shows.
const std::set<std::string> kPipelineStarted = {
    "pipeline", "execution-id", "start-time", "execution-trigger", "state", "version",
    "pipeline-execution-attempt"};
const std::set<std::string> kStageStarted = {"pipeline", "version", "execution-id", "start-time",
                                             "stage", "state", "pipeline-execution-attempt"};
const std::set<std::string> kStageResumed = {
    "pipeline", "execution-id", "stage-last-retry-attempt-time", "stage", "state", "version",
    "pipeline-execution-attempt"};
const std::set<std::string> kActionStarted = {
    "pipeline", "execution-id", "start-time", "stage", "action-execution-id", "action", "state",
    "type", "version", "pipeline-execution-attempt", "input-artifacts",
    // The STARTED example omits the action's region, which every other action
    // example carries; sluice sends it on every action event.
    "region"};
const std::set<std::string> kSourceSucceeded = {
    "pipeline", "execution-id", "start-time", "stage", "execution-result", "output-artifacts",
    "action-execution-id", "action", "state", "region", "type", "version",
    "pipeline-execution-attempt"};
const std::set<std::string> kActionAbandoned = {
    "pipeline", "execution-id", "stage", "action-execution-id", "action", "state", "region",
    "type", "version", "pipeline-execution-attempt"};
const std::set<std::string> kPipelineStopping = {
    "pipeline", "execution-id", "start-time", "execution-trigger", "state", "version",
    "pipeline-execution-attempt", "stop-execution-comments"};

std::set<std::string> Members(const json& object) {
  std::set<std::string> names;
  for (const auto& [name, value] : object.items()) names.insert(name);
  return names;
}

class EventRendererTest : public ::testing::Test {
 protected:
  FakeClock clock_;
  EventHub hub_{1000};
  domain::ExecutionEngine engine_{clock_, domain::TestOptions(kStep, 100, 2, 1), &hub_};

  std::string Start() {
    domain::StartRequest request;
    request.trigger = {"StartPipelineExecution", "arn:aws:iam::123456789012:root"};
    auto id = engine_.Start(kScope, domain::View(domain::ThreeStagePipeline("SUPERSEDED")),
                            std::move(request));
    EXPECT_TRUE(id.ok());
    return id.ok() ? *id : "";
  }
  void Step(int steps) {
    for (int i = 0; i < steps; ++i) {
      clock_.Advance(kStep);
      engine_.Advance();
    }
  }
  std::vector<json> Events() const {
    std::vector<json> all;
    for (const auto& event : hub_.Read(0, {}, 10'000).events) all.push_back(json::parse(event->json));
    return all;
  }
  // "<level> <stage/action> <STATE>" for each event, in order.
  std::vector<std::string> Lines() const {
    std::vector<std::string> lines;
    for (const json& event : Events()) {
      const json& detail = event["detail"];
      const std::string type = event["detail-type"];
      const std::string level = type == kPipelineDetailType ? "pipeline"
                                : type == kStageDetailType  ? "stage " + detail["stage"].get<std::string>()
                                                            : "action " + detail["action"].get<std::string>();
      lines.push_back(level + " " + detail["state"].get<std::string>());
    }
    return lines;
  }
  // The first event of `type` in `state`.
  json Find(const std::string& type, const std::string& state) const {
    for (const json& event : Events()) {
      if (event["detail-type"] == type && event["detail"]["state"] == state) return event;
    }
    ADD_FAILURE() << "no " << type << " " << state;
    return json::object();
  }
};

TEST_F(EventRendererTest, ASucceedingExecutionSendsEveryEventInOrder) {
  Start();
  Step(3);
  const std::vector<std::string> expected = {
      "pipeline STARTED",          "stage Source STARTED", "action Source STARTED",
      "action Source SUCCEEDED",   "stage Source SUCCEEDED", "stage Build STARTED",
      "action Build STARTED",      "action Build SUCCEEDED", "stage Build SUCCEEDED",
      "stage Deploy STARTED",      "action Deploy STARTED", "action Deploy SUCCEEDED",
      "stage Deploy SUCCEEDED",    "pipeline SUCCEEDED"};
  EXPECT_EQ(Lines(), expected);
}

TEST_F(EventRendererTest, TheEnvelopeIsEventBridgesAndNumbersFollowOneAnother) {
  const std::string id = Start();
  Step(1);
  std::uint64_t expected_sequence = 1;
  std::set<std::string> ids;
  for (const auto& event : hub_.Read(0, {}, 100).events) {
    EXPECT_EQ(event->sequence, expected_sequence++);
    const json whole = json::parse(event->json);
    EXPECT_EQ(Members(whole), (std::set<std::string>{"version", "id", "detail-type", "source",
                                                     "account", "time", "region", "resources",
                                                     "detail"}));
    EXPECT_EQ(whole["version"], "0");
    EXPECT_EQ(whole["source"], "aws.codepipeline");
    EXPECT_EQ(whole["account"], "123456789012");
    EXPECT_EQ(whole["region"], "us-east-1");
    EXPECT_EQ(whole["resources"], json::array({"arn:aws:codepipeline:us-east-1:123456789012:p"}));
    EXPECT_EQ(whole["detail"]["execution-id"], id);
    // To the second, as AWS stamps it.
    EXPECT_EQ(whole["time"].get<std::string>().size(), 20U) << whole["time"];
    EXPECT_EQ(whole["time"].get<std::string>().back(), 'Z');
    EXPECT_TRUE(Uuid::Parse(whole["id"].get<std::string>())) << whole["id"];
    EXPECT_TRUE(ids.insert(whole["id"]).second);
    // Numbers as AWS writes them: floats.
    EXPECT_TRUE(whole["detail"]["version"].is_number_float());
    EXPECT_TRUE(whole["detail"]["pipeline-execution-attempt"].is_number_float());
    EXPECT_EQ(json::parse(event->detail), whole["detail"]);
  }
  EXPECT_EQ(expected_sequence, 8U);  // seven events
}

TEST_F(EventRendererTest, EachEventHasTheMembersOfAwsExample) {
  const std::string id = Start();
  Step(1);
  const json started = Find(kPipelineDetailType, "STARTED");
  EXPECT_EQ(Members(started["detail"]), kPipelineStarted);
  EXPECT_EQ(started["detail"]["execution-trigger"],
            json({{"trigger-type", "StartPipelineExecution"},
                  {"trigger-detail", "arn:aws:iam::123456789012:root"}}));
  EXPECT_EQ(started["detail"]["version"].dump(), "1.0");
  EXPECT_EQ(started["detail"]["pipeline-execution-attempt"].dump(), "1.0");
  // Milliseconds in start-time, as AWS's examples have them.
  EXPECT_EQ(started["detail"]["start-time"].get<std::string>().size(), 24U);
  EXPECT_EQ(Members(Find(kStageDetailType, "STARTED")["detail"]), kStageStarted);

  const json source = Find(kActionDetailType, "SUCCEEDED");
  EXPECT_EQ(Members(source["detail"]), kSourceSucceeded);
  EXPECT_EQ(source["detail"]["type"], json({{"owner", "AWS"}, {"category", "Source"},
                                            {"provider", "CodeCommit"}, {"version", "1"}}));
  EXPECT_EQ(Members(source["detail"]["execution-result"]),
            (std::set<std::string>{"external-execution-summary", "external-execution-id"}));
  const json& output = source["detail"]["output-artifacts"];
  ASSERT_EQ(output.size(), 1U);
  EXPECT_EQ(output[0]["name"], "src");
  EXPECT_EQ(Members(output[0]["s3location"]), (std::set<std::string>{"bucket", "key"}));
  EXPECT_EQ(output[0]["s3location"]["bucket"], "artifact-bucket");

  const json build = Find(kActionDetailType, "STARTED");  // Source's: no inputs
  EXPECT_FALSE(build["detail"].contains("input-artifacts"));
  Step(1);
  json build_started;
  for (const json& event : Events()) {
    if (event["detail"].value("action", "") == "Build" && event["detail"]["state"] == "STARTED") {
      build_started = event;
    }
  }
  EXPECT_EQ(Members(build_started["detail"]), kActionStarted);
  EXPECT_EQ(build_started["detail"]["input-artifacts"], output);

  // In Deploy now. Stop and abandon, then retry: STOPPING with the comment, ABANDONED,
  // STOPPED, then RESUMED with the retry's time and the second attempt.
  ASSERT_TRUE(engine_.Stop(kScope, "p", id, /*abandon=*/true, "for an update").ok());
  const json stopping = Find(kPipelineDetailType, "STOPPING");
  EXPECT_EQ(Members(stopping["detail"]), kPipelineStopping);
  EXPECT_EQ(stopping["detail"]["stop-execution-comments"], "for an update");
  EXPECT_EQ(Members(Find(kActionDetailType, "ABANDONED")["detail"]), kActionAbandoned);
  Find(kPipelineDetailType, "STOPPED");
  Find(kStageDetailType, "STOPPED");
  const Status retried = engine_.Retry(kScope, "p", "Deploy", id, domain::RetryMode::kFailedActions);
  ASSERT_TRUE(retried.ok()) << retried.error().message();
  const json resumed = Find(kStageDetailType, "RESUMED");
  EXPECT_EQ(Members(resumed["detail"]), kStageResumed);
  EXPECT_EQ(resumed["detail"]["pipeline-execution-attempt"].dump(), "2.0");
  EXPECT_EQ(Find(kPipelineDetailType, "RESUMED")["detail"]["pipeline-execution-attempt"].dump(),
            "2.0");
}

TEST_F(EventRendererTest, ACancelledExecutionIsCanceledWithOneL) {
  const auto view = domain::View(domain::ThreeStagePipeline("SUPERSEDED"));
  const auto first = engine_.Start(kScope, view, domain::StartRequest{});
  ASSERT_TRUE(first.ok());
  Step(1);
  engine_.SetTransition(kScope, *view, "Deploy", domain::TransitionKind::kInbound,
                        domain::TransitionBlock{"hold", "me", {}});
  Step(2);  // waits to enter Deploy
  engine_.PipelineUpdated(kScope, "p");
  EXPECT_EQ(Lines().back(), "pipeline CANCELED");
}

TEST(EventRenderTest, AFailedActionReportsItsErrorCode) {
  // How actions fail is the engine tests' ground; here, what a failed
  // action run renders as.
  const auto now = Clock::TimePoint(std::chrono::seconds(1'700'000'000));
  domain::ActionChange change{{kScope, domain::View(domain::ThreeStagePipeline("SUPERSEDED")),
                               Uuid{1, 2}, false, now, now, nullptr, 1, std::nullopt},
                              1, 0, domain::ActionStatus::kInProgress,
                              domain::ActionStatus::kFailed, domain::ActionRun{}};
  change.run.action_name = "Build";
  change.run.stage_name = "Build";
  change.run.error_message = "the build broke";
  const auto event = RenderEvent(change, 99);
  ASSERT_TRUE(event);
  const json detail = json::parse(event->detail);
  EXPECT_EQ(detail["state"], "FAILED");
  EXPECT_EQ(detail["execution-result"],
            json({{"external-execution-summary", "the build broke"}, {"error-code", "JobFailed"}}));
  EXPECT_EQ(event->sequence, 99U);
  EXPECT_EQ(event->time, "2023-11-14T22:13:20Z");
  EXPECT_EQ(event->epoch_seconds, 1'700'000'000);
}

TEST(EventIdTest, FollowsFromExecutionAndSequenceAsAVersion4Uuid) {
  const Uuid execution{0x0123456789abcdefULL, 0xfedcba9876543210ULL};
  const std::string a = EventId(execution, 1);
  EXPECT_EQ(a, EventId(execution, 1));
  EXPECT_NE(a, EventId(execution, 2));
  EXPECT_NE(a, EventId(Uuid{1, 2}, 1));
  ASSERT_TRUE(Uuid::Parse(a)) << a;
  EXPECT_EQ(a[14], '4') << a;
  EXPECT_NE(std::string("89ab").find(a[19]), std::string::npos) << a;
}

}  // namespace
}  // namespace sluice::events
