// FaultRules: the wire faults of POST /_sluice/faults, as the router's
// FaultInjector. A fault matches on operation, account and region (globs)
// and answers an AWS error, before the call runs or after it, and/or adds
// latency. Thread-safe.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>

#include "rule_book.h"
#include "sluice/domain/pipeline/pipeline.h"
#include "sluice/protocol/fault_injector.h"

namespace sluice::control {

struct FaultRule {
  std::map<std::string, std::string> match;  // operation, account, region -> glob
  protocol::InjectedFault fault;
};

class FaultRules final : public protocol::FaultInjector {
 public:
  // Throws ControlError for a request that is not a valid fault.
  std::string Add(const nlohmann::json& request);
  // A request as a rule and its limits; throws ControlError for a bad one.
  static std::pair<FaultRule, RuleLimits> Parse(const nlohmann::json& request);
  nlohmann::json List() const { return book_.List(); }
  nlohmann::json DumpState() const { return book_.DumpState(); }
  void SetStateMarks(StateMarks* marks) { book_.SetStateMarks(marks, StateSection::kFaults); }
  void LoadState(const nlohmann::json& state, bool commit) {
    book_.LoadState(state, &Parse, commit);
  }
  std::size_t Remove(const std::optional<std::string>& id) { return book_.Remove(id); }
  std::size_t RemoveFor(const domain::ScopeFilter& filter) { return book_.RemoveFor(filter); }

  std::optional<protocol::InjectedFault> Draw(std::string_view operation, std::string_view account,
                                              std::string_view region) override;

 private:
  RuleBook<FaultRule> book_{"fault"};
};

}  // namespace sluice::control
