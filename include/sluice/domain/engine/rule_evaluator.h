// Rule evaluation for stage conditions. VariableCheck and DeploymentWindow
// are decided locally, exactly; rules that ask an outside service
// (CloudWatchAlarm, LambdaInvoke, CodeBuild, Commands, ...) resolve to a
// configured outcome, succeeded by default. Pure functions.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <string_view>

#include "sluice/common/clock.h"
#include "sluice/common/result.h"
#include "sluice/domain/engine/outcome_policy.h"
#include "sluice/domain/pipeline/pipeline_view.h"

namespace sluice::domain {

struct RuleOutcome {
  bool succeeded = false;
  std::string summary;
  std::string error_code;  // empty when the rule could be evaluated
  std::string error_message;
};

// `resolved` is the rule's configuration with its variables resolved.
RuleOutcome EvaluateRule(const RuleView& rule, const std::map<std::string, std::string>& resolved,
                         Clock::TimePoint now, bool external_rules_succeed);

// The result a test scripted for a rule (outcome_policy.h): a failure is
// a Failed rule, and an Errored one only when the script names an error code.
RuleOutcome ScriptedRuleOutcome(const ScriptedOutcome& script);

// VariableCheck's comparison: EQ, NE, CONTAINS, MATCHES (a regular
// expression), and GT, GE, LT, LE on numbers.
Result<bool> CompareVariable(std::string_view value, std::string_view op, std::string_view expected);

// Whether a Quartz cron expression ("sec min hour day-of-month month
// day-of-week [year]") includes the minute of `local` (seconds ignored).
Result<bool> CronIncludes(std::string_view cron, std::chrono::sys_seconds local);

// A DeploymentWindow TimeZone as an offset from UTC: UTC/GMT, UTC±hh[:mm]
// and Etc/GMT±h (POSIX sign: Etc/GMT+5 is five hours behind).
Result<std::chrono::minutes> UtcOffset(std::string_view zone);

}  // namespace sluice::domain
