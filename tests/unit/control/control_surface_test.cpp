// The /_sluice/ controls as the server wires them (app::Services over a
// manual clock): each endpoint's answers, and what they do to executions.
#include "control/control_surface.h"

#include <gtest/gtest.h>

#include <boost/beast/http/verb.hpp>
#include <functional>
#include <string>

#include "app/services.h"
#include "control/control_json.h"
#include "sluice/common/ids.h"
#include "sluice/common/iso8601.h"
#include "sluice/api/model.h"
#include "support/pipelines.h"

namespace sluice::control {
namespace {

using nlohmann::json;
namespace http = boost::beast::http;

// No execution at create, so that each test starts its own; one-second actions.
app::Options TestOptions() {
  app::Options options;
  options.start_on_create = false;
  options.engine.action_duration = std::chrono::milliseconds(1000);
  return options;
}

class ControlSurfaceTest : public ::testing::Test {
 protected:
  // A control call: its status and its JSON answer.
  std::pair<unsigned, json> Call(http::verb method, const std::string& target,
                                 const std::string& body = "") {
    net::HttpRequest request{method, target, 11};
    request.body() = body;
    const net::HttpResponse response = services_.control_hooks().control(request);
    return {response.result_int(), json::parse(response.body())};
  }
  json Post(const std::string& target, const json& body) {
    auto [status, answer] = Call(http::verb::post, target, body.dump());
    EXPECT_LT(status, 300U) << target << ": " << answer.dump();
    return answer;
  }
  // An AWS call, as the router makes it.
  json Aws(std::string_view operation, const json& input) {
    const api::CallContext context{"request", "000000000000", "us-east-1", {}, {}};
    auto body = services_.operations().Invoke(context, *model::FindOperation(operation), input);
    EXPECT_TRUE(body.ok()) << operation << ": " << (body.ok() ? "" : body.error().message());
    return body.ok() ? json::parse(*body) : json();
  }
  std::string CreateAndStart(json pipeline) {
    Aws("CreatePipeline", {{"pipeline", std::move(pipeline)}});
    return Aws("StartPipelineExecution", {{"name", "app"}})["pipelineExecutionId"];
  }
  json Execution(const std::string& id) {
    return Aws("GetPipelineExecution",
               {{"pipelineName", "app"}, {"pipelineExecutionId", id}})["pipelineExecution"];
  }
  json ActionStates(std::size_t stage) {
    return Aws("GetPipelineState", {{"name", "app"}})["stageStates"][stage]["actionStates"];
  }

  FakeClock clock_{ParseIso8601("2030-01-01T00:00:00Z").value()};
  app::Options options_ = TestOptions();
  app::Services services_{clock_, options_, &clock_};
};

json ApprovalPipeline() {
  json pipeline = sluice::testing::TwoStagePipeline("app");
  pipeline["stages"].push_back({{"name", "Approve"},
                                {"actions", json::array({{{"name", "Approve"},
                                                          {"actionTypeId",
                                                           {{"category", "Approval"},
                                                            {"owner", "AWS"},
                                                            {"provider", "Manual"},
                                                            {"version", "1"}}}}})}});
  return pipeline;
}

TEST_F(ControlSurfaceTest, AWeekLongApprovalTimeoutIsOneAdvance) {
  const std::string id = CreateAndStart(ApprovalPipeline());
  const json settled = Post("/_sluice/clock/settle", json::object());
  // Settling runs the source and the build, and stops at the approval.
  EXPECT_EQ(settled["settled"], true);
  ASSERT_EQ(settled["waiting"].size(), 1U);
  EXPECT_EQ(settled["waiting"][0]["on"], "approval");
  EXPECT_EQ(settled["waiting"][0]["executionId"], id);
  EXPECT_EQ(settled["now"], 1'893'456'002.0);
  EXPECT_EQ(Execution(id)["status"], "InProgress");
  // Seven days and a second later the approval has timed out.
  const json moved = Post("/_sluice/clock/advance", {{"seconds", 7 * 24 * 3600 + 1}});
  EXPECT_EQ(moved["iso"], "2030-01-08T00:00:03.000Z");
  EXPECT_EQ(Execution(id)["status"], "Failed");
  EXPECT_EQ(ActionStates(2)[0]["latestExecution"]["errorDetails"]["message"],
            "The manual approval action timed out");
}

TEST_F(ControlSurfaceTest, AdvanceRunsWhatFallsDueInOrderAndStopsAtTheTarget) {
  const std::string id = CreateAndStart(sluice::testing::TwoStagePipeline("app"));
  Post("/_sluice/clock/advance", {{"seconds", 1.5}});
  // Source finished at 1 s; Build started then and is due at 2 s.
  EXPECT_EQ(ActionStates(0)[0]["latestExecution"]["status"], "Succeeded");
  EXPECT_EQ(ActionStates(1)[0]["latestExecution"]["status"], "InProgress");
  EXPECT_EQ(ActionStates(1)[0]["latestExecution"]["lastStatusChange"], 1'893'456'001.0);
  Post("/_sluice/clock/advance", {{"seconds", 0.5}});
  EXPECT_EQ(Execution(id)["status"], "Succeeded");
  const auto [status, clock] = Call(http::verb::get, "/_sluice/clock");
  EXPECT_EQ(status, 200U);
  EXPECT_EQ(clock["mode"], "manual");
  EXPECT_EQ(clock["now"], 1'893'456'002.0);
}

TEST_F(ControlSurfaceTest, FailTheFirstBuildAndSucceedTheRetry) {
  Post("/_sluice/outcomes", {{"match", {{"stage", "Build"}}},
                             {"result", "Failed"},
                             {"errorCode", "JobFailed"},
                             {"errorMessage", "tests failed"},
                             {"times", 1}});
  Post("/_sluice/outcomes", {{"match", {{"stage", "Build"}}},
                             {"outputVariables", {{"IMAGE", "app:2"}}},
                             {"summary", "built"},
                             {"durationMs", 0}});
  const std::string id = CreateAndStart(sluice::testing::TwoStagePipeline("app"));
  Post("/_sluice/clock/settle", json::object());
  EXPECT_EQ(Execution(id)["status"], "Failed");
  EXPECT_EQ(ActionStates(1)[0]["latestExecution"]["errorDetails"]["code"], "JobFailed");
  Aws("RetryStageExecution", {{"pipelineName", "app"},
                              {"stageName", "Build"},
                              {"pipelineExecutionId", id},
                              {"retryMode", "FAILED_ACTIONS"}});
  Post("/_sluice/clock/settle", json::object());
  EXPECT_EQ(Execution(id)["status"], "Succeeded");
  EXPECT_EQ(ActionStates(1)[0]["latestExecution"]["summary"], "built");
  const json actions = Aws("ListActionExecutions", {{"pipelineName", "app"},
                                                    {"filter", {{"pipelineExecutionId", id}}}});
  bool saw_variables = false;
  for (const json& action : actions["actionExecutionDetails"]) {
    if (action["stageName"] == "Build" && action["status"] == "Succeeded") {
      EXPECT_EQ(action["output"]["outputVariables"]["IMAGE"], "app:2");
      saw_variables = true;
    }
  }
  EXPECT_TRUE(saw_variables);
}

TEST_F(ControlSurfaceTest, AScriptedSourceActionAddsToWhatTheSourcePickedUp) {
  Post("/_sluice/outcomes", {{"match", {{"stage", "Source"}}},
                             {"outputVariables", {{"CommitId", "abc123"}, {"Extra", "x"}}},
                             {"summary", "scripted source"}});
  json pipeline = sluice::testing::TwoStagePipeline("app");
  pipeline["stages"][0]["actions"][0]["namespace"] = "SourceVariables";
  pipeline["stages"][1]["actions"][0]["configuration"]["ProjectName"] =
      "build-#{SourceVariables.CommitId}-#{SourceVariables.BranchName}";
  const std::string id = CreateAndStart(pipeline);
  Post("/_sluice/clock/settle", json::object());
  EXPECT_EQ(Execution(id)["status"], "Succeeded");
  const json actions = Aws("ListActionExecutions", {{"pipelineName", "app"},
                                                    {"filter", {{"pipelineExecutionId", id}}}});
  int seen = 0;
  for (const json& action : actions["actionExecutionDetails"]) {
    if (action["stageName"] == "Source") {
      // The script wins where it speaks; the source's own variables stay.
      EXPECT_EQ(action["output"]["outputVariables"]["CommitId"], "abc123");
      EXPECT_EQ(action["output"]["outputVariables"]["Extra"], "x");
      EXPECT_EQ(action["output"]["outputVariables"]["BranchName"], "main");
      EXPECT_EQ(action["output"]["executionResult"]["externalExecutionSummary"], "scripted source");
      ++seen;
    }
    if (action["stageName"] == "Build") {
      EXPECT_EQ(action["input"]["resolvedConfiguration"]["ProjectName"], "build-abc123-main");
      ++seen;
    }
  }
  EXPECT_EQ(seen, 2);
}

TEST_F(ControlSurfaceTest, AHeldActionWaitsUntilATestCompletesIt) {
  Post("/_sluice/outcomes", {{"match", {{"stage", "Build"}}}, {"hold", true}});
  const std::string id = CreateAndStart(sluice::testing::TwoStagePipeline("app"));
  Post("/_sluice/clock/advance", {{"seconds", 3600}});
  EXPECT_EQ(Execution(id)["status"], "InProgress");
  const json settled = Post("/_sluice/clock/settle", json::object());
  ASSERT_EQ(settled["waiting"].size(), 1U);
  EXPECT_EQ(settled["waiting"][0]["on"], "hold");
  const json complete = {{"pipeline", "app"}, {"executionId", id}, {"stage", "Build"},
                         {"action", "Build"}, {"result", "Failed"},
                         {"errorCode", "ConfigurationError"}, {"errorMessage", "bad buildspec"}};
  Post("/_sluice/actions/complete", complete);
  EXPECT_EQ(Execution(id)["status"], "Failed");
  EXPECT_EQ(ActionStates(1)[0]["latestExecution"]["errorDetails"]["code"], "ConfigurationError");
  // It is not running any more: a second completion names nothing.
  const auto [status, answer] = Call(http::verb::post, "/_sluice/actions/complete", complete.dump());
  EXPECT_EQ(status, 404U);
  EXPECT_EQ(answer["error"], "NotFound");
}

TEST_F(ControlSurfaceTest, AnOutcomeAnswersAManualApproval) {
  Post("/_sluice/outcomes", {{"match", {{"category", "Approval"}}}, {"durationMs", 0}});
  const std::string id = CreateAndStart(ApprovalPipeline());
  Post("/_sluice/clock/settle", json::object());
  EXPECT_EQ(Execution(id)["status"], "Succeeded");
}

TEST_F(ControlSurfaceTest, ResetRemovesEverythingAndSaysWhat) {
  Post("/_sluice/outcomes", {{"hold", true}});
  Post("/_sluice/faults", {{"latencyMs", 1}});
  const std::string id = CreateAndStart(ApprovalPipeline());
  Post("/_sluice/clock/advance", {{"seconds", 0.5}});
  const json reset = Post("/_sluice/reset", json::object());
  // The events: pipeline, stage and action STARTED.
  EXPECT_EQ(reset["removed"], json({{"pipelines", 1}, {"executions", 1}, {"jobs", 0},
                                    {"actionTypes", 0}, {"webhooks", 0}, {"outcomes", 1},
                                    {"faults", 1}, {"events", 3}}));
  EXPECT_EQ(Aws("ListPipelines", json::object())["pipelines"].size(), 0U);
  EXPECT_FALSE(services_.engine().NextDue().has_value());
  // The same name starts afresh.
  const std::string again = CreateAndStart(sluice::testing::TwoStagePipeline("app"));
  EXPECT_NE(again, id);
  Post("/_sluice/clock/settle", json::object());
  EXPECT_EQ(Execution(again)["status"], "Succeeded");
}

TEST_F(ControlSurfaceTest, AScopedResetLeavesOtherScopesAlone) {
  CreateAndStart(sluice::testing::TwoStagePipeline("app"));
  const json reset = Post("/_sluice/reset", {{"account", "111111111111"}});
  EXPECT_EQ(reset["removed"]["pipelines"], 0);
  EXPECT_EQ(Aws("ListPipelines", json::object())["pipelines"].size(), 1U);
  EXPECT_EQ(Post("/_sluice/reset", {{"region", "us-east-1"}})["removed"]["pipelines"], 1);
}

TEST_F(ControlSurfaceTest, EachEndpointRefusesABadRequestClearly) {
  struct Case {
    http::verb method;
    const char* target;
    const char* body;
    unsigned status;
    const char* field;
  };
  const Case cases[] = {
      {http::verb::post, "/_sluice/reset", "{\"acount\": \"1\"}", 400, "acount"},
      {http::verb::post, "/_sluice/reset", "{not json", 400, ""},
      {http::verb::get, "/_sluice/reset", "", 405, ""},
      {http::verb::post, "/_sluice/outcomes", "{\"result\": 1}", 400, "result"},
      {http::verb::put, "/_sluice/outcomes", "{}", 405, ""},
      {http::verb::delete_, "/_sluice/outcomes/outcome-9", "", 404, ""},
      {http::verb::post, "/_sluice/faults", "{}", 400, "error"},
      {http::verb::delete_, "/_sluice/faults/fault-9", "", 404, ""},
      {http::verb::post, "/_sluice/actions/complete", "{\"pipeline\": \"app\"}", 400,
       "executionId"},
      {http::verb::post, "/_sluice/clock/advance", "{}", 400, "seconds"},
      {http::verb::post, "/_sluice/clock/advance", "{\"seconds\": \"1\"}", 400, "seconds"},
      {http::verb::post, "/_sluice/clock/settle", "[]", 400, ""},
      {http::verb::post, "/_sluice/clock", "{}", 405, ""},
      {http::verb::get, "/_sluice/nothing", "", 404, ""},
  };
  for (const Case& c : cases) {
    const auto [status, answer] = Call(c.method, c.target, c.body);
    EXPECT_EQ(status, c.status) << c.target << " " << c.body << ": " << answer.dump();
    EXPECT_FALSE(answer["message"].get<std::string>().empty());
    EXPECT_EQ(answer["field"], c.field[0] == '\0' ? json(nullptr) : json(c.field)) << c.target;
  }
}

// A second server's worth of services, for state documents to move between.
class StateDocumentTest : public ControlSurfaceTest {
 protected:
  json Read(app::Services& services, std::string_view operation, const json& input) {
    const api::CallContext context{"request", "000000000000", "us-east-1", {}, {}};
    auto body = services.operations().Invoke(context, *model::FindOperation(operation), input);
    EXPECT_TRUE(body.ok()) << operation;
    return body.ok() ? json::parse(*body) : json();
  }
  // Every read a dashboard would make, from one set of services.
  json Reads(app::Services& services, const std::string& id) {
    return {Read(services, "GetPipeline", {{"name", "app"}}),
            Read(services, "GetPipelineState", {{"name", "app"}}),
            Read(services, "ListPipelineExecutions", {{"pipelineName", "app"}}),
            Read(services, "GetPipelineExecution",
                 {{"pipelineName", "app"}, {"pipelineExecutionId", id}}),
            Read(services, "ListActionExecutions", {{"pipelineName", "app"}}),
            Read(services, "ListTagsForResource",
                 {{"resourceArn", "arn:aws:codepipeline:us-east-1:000000000000:app"}})};
  }

  FakeClock other_clock_;  // elsewhere in time until the document arrives
  app::Services other_{other_clock_, options_, &other_clock_};
};

TEST_F(StateDocumentTest, ALoadedDocumentAnswersEveryReadAndGoesOnAsTheOriginal) {
  Post("/_sluice/outcomes", {{"match", {{"stage", "Build"}}}, {"outputVariables", {{"K", "V"}}},
                             {"times", 2}});
  json pipeline = ApprovalPipeline();
  Aws("CreatePipeline", {{"pipeline", pipeline}, {"tags", {{{"key", "team"}, {"value", "a"}}}}});
  const std::string id = Aws("StartPipelineExecution", {{"name", "app"}})["pipelineExecutionId"];
  Post("/_sluice/clock/advance", {{"seconds", 1.5}});  // mid-Build
  const json document = services_.control().DumpState();
  EXPECT_EQ(document["format"], 1);
  const json loaded = other_.control().LoadState(document);
  EXPECT_EQ(loaded["loaded"]["executions"], 1);
  EXPECT_EQ(other_clock_.Now(), clock_.Now());
  EXPECT_EQ(Reads(other_, id), Reads(services_, id));
  EXPECT_EQ(other_.control().DumpState(), document);
  // Both go on alike: the build completes with its scripted variables, the
  // approval waits, and a week later it times out in both.
  for (app::Services* services : {&services_, &other_}) {
    // The two share this process's id source: each draws the same ids.
    SeedIds(9);
    net::HttpRequest request{http::verb::post, "/_sluice/clock/advance", 11};
    request.body() = R"({"seconds": 700000})";
    EXPECT_EQ(services->control_hooks().control(request).result_int(), 200);
  }
  SeedIds(std::nullopt);
  EXPECT_EQ(Reads(other_, id), Reads(services_, id));
  EXPECT_EQ(Execution(id)["status"], "Failed");
  // The events too: the same events, numbered and named alike.
  const json events = services_.control().DumpState()["events"];
  EXPECT_GT(events["held"].size(), document["events"]["held"].size());
  EXPECT_EQ(other_.control().DumpState()["events"], events);
}

TEST_F(StateDocumentTest, ARefusedDocumentChangesNothing) {
  const std::string id = CreateAndStart(sluice::testing::TwoStagePipeline("app"));
  const json before = services_.control().DumpState();
  struct Case {
    const char* name;
    std::function<void(json&)> spoil;
    const char* says;
  };
  const Case cases[] = {
      {"unknown format", [](json& d) { d["format"] = 2; }, "format 1"},
      {"a section missing", [](json& d) { d.erase("engine"); }, "engine"},
      {"an unknown section", [](json& d) { d["extra"] = 1; }, "extra"},
      {"a declaration the model refuses",
       [](json& d) { d["pipelines"][0]["versions"][0] = R"({"name": "app", "stages": 3})"; },
       "pipelines[0].versions[0]"},
      {"an action the pipeline lacks",
       [](json& d) { d["engine"]["pipelines"][0]["runs"][0]["stages"][0]["actions"][0]["action"] = 7; },
       "names no action"},
      {"a condition the stage does not declare",
       [](json& d) {
         d["engine"]["pipelines"][0]["runs"][0]["stages"][0]["conditions"] = json::array(
             {{{"kind", "beforeEntry"}, {"status", "InProgress"}, {"summary", ""},
               {"last_change", 0}, {"rules", json::array()}}});
       },
       "does not match"},
      {"a version that does not exist",
       [](json& d) { d["engine"]["pipelines"][0]["runs"][0]["version"] = 4; }, "no version 4"},
      {"a broken id", [](json& d) { d["engine"]["pipelines"][0]["runs"][0]["id"] = "nope"; },
       "not an id"},
      {"a bad outcome rule",
       [](json& d) { d["outcomes"]["rules"] = json::array({{{"id", "outcome-1"},
                                                            {"request", {{"result", "Maybe"}}},
                                                            {"matched", 0},
                                                            {"applied", 0}}}); },
       "result"},
      {"events out of sequence",
       [](json& d) { d["events"]["held"][1]["sequence"] = 7; }, "events.held[1].sequence"},
      {"an event without its detail",
       [](json& d) { d["events"]["held"][0]["event"].erase("detail"); }, "events.held[0].event"},
  };
  ASSERT_GE(before["events"]["held"].size(), 2U);
  for (const Case& c : cases) {
    json document = before;
    c.spoil(document);
    try {
      services_.control().LoadState(document);
      ADD_FAILURE() << c.name << ": loaded";
    } catch (const ControlError& error) {
      EXPECT_EQ(error.status, 400U) << c.name;
      EXPECT_NE(error.message.find(c.says), std::string::npos) << c.name << ": " << error.message;
    }
    EXPECT_EQ(services_.control().DumpState(), before) << c.name;
  }
  EXPECT_EQ(Execution(id)["status"], "InProgress");
}

TEST(ControlOnSystemClockTest, MovingTheSystemClockIsAConflict) {
  SystemClock clock;
  const app::Options options;
  app::Services services(clock, options);
  net::HttpRequest request{http::verb::post, "/_sluice/clock/advance", 11};
  request.body() = R"({"seconds": 1})";
  const auto response = services.control_hooks().control(request);
  EXPECT_EQ(response.result_int(), 409);
  request = net::HttpRequest{http::verb::get, "/_sluice/clock", 11};
  EXPECT_EQ(json::parse(services.control_hooks().control(request).body())["mode"], "system");
}

TEST(ControlOffTest, TheServicesOfferNoControlSurface) {
  FakeClock clock;
  app::Options options;
  options.control = false;
  app::Services services(clock, options);
  EXPECT_FALSE(services.control_hooks().control);
  EXPECT_NE(services.control_hooks().faults, nullptr);
}

}  // namespace
}  // namespace sluice::control
