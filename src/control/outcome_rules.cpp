#include "outcome_rules.h"

#include <array>
#include <string_view>

#include "control_json.h"
#include "glob.h"

namespace sluice::control {

namespace {

// The error codes FailureDetails.type allows, as a job worker would give them.
constexpr std::array<std::string_view, 6> kErrorCodes = {
    "JobFailed",           "ConfigurationError", "PermissionError",
    "RevisionOutOfSync",   "RevisionUnavailable", "SystemUnavailable"};

// A day: longer would only stall a test.
constexpr double kMaxDurationMs = 86'400'000;

std::string_view SubjectField(const domain::OutcomeSubject& subject, std::string_view field) {
  if (field == "account") return subject.scope.account_id;
  if (field == "region") return subject.scope.region;
  if (field == "pipeline") return subject.pipeline;
  if (field == "stage") return subject.stage;
  if (field == "action") return subject.action;
  if (field == "rule") return subject.rule;
  if (field == "category") return subject.category;
  if (field == "owner") return subject.owner;
  return subject.provider;
}

}  // namespace

domain::ScriptedOutcome ReadOutcome(FieldReader& fields, bool allow_hold) {
  domain::ScriptedOutcome outcome;
  const auto result = fields.String("result").value_or("Succeeded");
  if (result != "Succeeded" && result != "Failed") {
    BadField(fields.Name("result"), "must be Succeeded or Failed");
  }
  outcome.succeeded = result == "Succeeded";
  if (auto code = fields.String("errorCode")) {
    bool known = false;
    for (const auto candidate : kErrorCodes) known = known || candidate == *code;
    if (!known) {
      BadField(fields.Name("errorCode"),
               "must be JobFailed, ConfigurationError, PermissionError, RevisionOutOfSync, "
               "RevisionUnavailable or SystemUnavailable");
    }
    outcome.error_code = std::move(*code);
  }
  outcome.error_message = fields.String("errorMessage").value_or("");
  if (outcome.succeeded && (!outcome.error_code.empty() || !outcome.error_message.empty())) {
    BadField(fields.Name(outcome.error_code.empty() ? "errorMessage" : "errorCode"),
             "is only for a result of Failed");
  }
  // errorDetails always carries a message in AWS's answers.
  if (!outcome.succeeded && outcome.error_message.empty()) {
    outcome.error_message = "Failed as a test scripted it";
  }
  if (const auto ms = fields.Number("durationMs", 0, kMaxDurationMs)) {
    outcome.duration = Clock::Duration(static_cast<Clock::Duration::rep>(*ms));
  }
  if (auto variables = fields.StringMap("outputVariables")) {
    outcome.output_variables = std::move(*variables);
  }
  outcome.summary = fields.String("summary");
  outcome.external_execution_id = fields.String("externalExecutionId");
  if (allow_hold) outcome.hold = fields.Bool("hold").value_or(false);
  return outcome;
}

std::string OutcomeRules::Add(const nlohmann::json& request) {
  auto [rule, limits] = Parse(request);
  return book_.Add(std::move(rule), limits, request);
}

std::pair<OutcomeRule, RuleLimits> OutcomeRules::Parse(const nlohmann::json& request) {
  FieldReader fields(request);
  OutcomeRule rule;
  rule.match = ReadMatch(fields, {"account", "region", "pipeline", "stage", "action", "rule",
                                  "category", "owner", "provider"});
  rule.outcome = ReadOutcome(fields, true);
  if (rule.outcome.hold && rule.match.contains("rule")) {
    BadField("hold", "applies to actions only: nothing could release a held condition rule");
  }
  const RuleLimits limits = ReadLimits(fields, false);
  fields.Done();
  return {std::move(rule), limits};
}

bool Matches(const OutcomeRule& rule, const domain::OutcomeSubject& subject) {
  const bool is_rule = !subject.rule.empty();
  const auto& match = rule.match;
  if (is_rule) {
    if (rule.outcome.hold || match.contains("action")) return false;
    if (!match.contains("rule") && !match.contains("provider") && !match.contains("category")) {
      return false;
    }
  } else if (match.contains("rule")) {
    return false;
  }
  for (const auto& [field, glob] : match) {
    if (!GlobMatch(glob, SubjectField(subject, field))) return false;
  }
  return true;
}

std::optional<domain::ScriptedOutcome> OutcomeRules::Decide(const domain::OutcomeSubject& subject) {
  auto rule = book_.Take([&](const OutcomeRule& candidate) { return Matches(candidate, subject); });
  if (!rule) return std::nullopt;
  return std::move(rule->outcome);
}

}  // namespace sluice::control
