// OutcomeRules: the scripted outcomes of POST /_sluice/outcomes, as the
// engine's OutcomePolicy. A rule matches on any of account, region,
// pipeline, stage, action, rule, category, owner and provider (globs), and
// says what a matched action or condition rule does.
//
// Which subjects a rule reaches: a rule that names `rule` matches condition
// rules only; one that names `action` matches actions only; otherwise it
// matches actions, and condition rules too when it names a provider or
// category. A rule that holds never matches condition rules (nothing could
// release them). Thread-safe.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>

#include "rule_book.h"
#include "sluice/domain/engine/outcome_policy.h"
#include "sluice/domain/pipeline/pipeline.h"

namespace sluice::control {

struct OutcomeRule {
  std::map<std::string, std::string> match;  // field -> glob
  domain::ScriptedOutcome outcome;
};

// The outcome fields a rule and an action's completion share: result,
// errorCode, errorMessage, durationMs, outputVariables, summary,
// externalExecutionId (and hold, when `allow_hold`).
class FieldReader;
domain::ScriptedOutcome ReadOutcome(FieldReader& fields, bool allow_hold);

class OutcomeRules final : public domain::OutcomePolicy {
 public:
  // Throws ControlError for a request that is not a valid rule.
  std::string Add(const nlohmann::json& request);
  // A request as a rule and its limits; throws ControlError for a bad one.
  static std::pair<OutcomeRule, RuleLimits> Parse(const nlohmann::json& request);
  nlohmann::json List() const { return book_.List(); }
  nlohmann::json DumpState() const { return book_.DumpState(); }
  void SetStateMarks(StateMarks* marks) { book_.SetStateMarks(marks, StateSection::kOutcomes); }
  void LoadState(const nlohmann::json& state, bool commit) {
    book_.LoadState(state, &Parse, commit);
  }
  // All rules, or the one `id` names; returns how many went.
  std::size_t Remove(const std::optional<std::string>& id) { return book_.Remove(id); }
  // A scoped reset: the rules whose match names exactly its scope.
  std::size_t RemoveFor(const domain::ScopeFilter& filter) { return book_.RemoveFor(filter); }

  std::optional<domain::ScriptedOutcome> Decide(const domain::OutcomeSubject& subject) override;

 private:
  RuleBook<OutcomeRule> book_{"outcome"};
};

// Whether a rule applies to `subject` (exposed for unit tests).
bool Matches(const OutcomeRule& rule, const domain::OutcomeSubject& subject);

}  // namespace sluice::control
