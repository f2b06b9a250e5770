// RuleBook: the rules a test added (outcomes, faults), in the order added,
// each with an id, its request as given, and its limits: `skip` lets the
// first matches pass, `times` expires it after that many uses, and
// `probability` applies it to only some matches (drawn from the id source, so
// --seed makes it repeatable). The first rule that matches and applies wins;
// a match that passes leaves the next rules their chance. Thread-safe.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sluice/common/ids.h"
#include "sluice/common/mutex.h"
#include "sluice/common/state_marks.h"
#include "sluice/domain/pipeline/pipeline.h"

namespace sluice::control {

struct RuleLimits {
  std::optional<std::uint64_t> times;  // none: no end
  std::uint64_t skip = 0;
  std::optional<double> probability;   // none: every match
};

// Whether a rule's match names exactly the scope a scoped reset clears: its
// account (and region, when the reset names one). Globs and rules that name
// no scope are everyone's, and only a full reset removes them.
inline bool NamesScope(const std::map<std::string, std::string>& match,
                       const domain::ScopeFilter& filter) {
  const auto account = match.find("account");
  const auto region = match.find("region");
  if (filter.account_id && (account == match.end() || account->second != *filter.account_id)) {
    return false;
  }
  return !filter.region || (region != match.end() && region->second == *filter.region);
}

class FieldReader;
// A rule's "match": each of `fields` an exact string or a glob.
std::map<std::string, std::string> ReadMatch(FieldReader& fields,
                                             std::initializer_list<std::string_view> names);
// A rule's times and skip (and probability, when it may have one).
RuleLimits ReadLimits(FieldReader& fields, bool with_probability);

template <typename Rule>
class RuleBook {
 public:
  // `prefix` starts every id ("outcome-1"): ids count up, never from the
  // id source, so that adding a rule does not move the seeded ids.
  explicit RuleBook(std::string prefix) : prefix_(std::move(prefix)) {}

  // The journal (src/persist/): every change is marked on `marks` as
  // `section`. Set before the book is used.
  void SetStateMarks(StateMarks* marks, StateSection section) {
    marks_ = marks;
    section_ = section;
  }

  std::string Add(Rule rule, RuleLimits limits, nlohmann::json spec) {
    MutexLock lock(mutex_);
    Changed();
    std::string id = prefix_ + "-" + std::to_string(next_id_++);
    entries_.push_back({id, std::move(rule), limits, std::move(spec)});
    return id;
  }

  // The first live rule that `matches` and applies, counted as used.
  template <typename Matches>
  std::optional<Rule> Take(Matches&& matches) {
    MutexLock lock(mutex_);
    for (Entry& entry : entries_) {
      if (entry.Expired() || !matches(entry.rule)) continue;
      Changed();  // its counts move
      if (++entry.matched <= entry.limits.skip) continue;
      if (entry.limits.probability && DrawUnit() >= *entry.limits.probability) continue;
      ++entry.applied;
      return entry.rule;
    }
    return std::nullopt;
  }

  // Each rule's request as given, with its id and what it has done.
  nlohmann::json List() const {
    MutexLock lock(mutex_);
    nlohmann::json list = nlohmann::json::array();
    for (const Entry& entry : entries_) {
      nlohmann::json item = entry.spec;
      item["id"] = entry.id;
      item["matched"] = entry.matched;
      item["applied"] = entry.applied;
      item["expired"] = entry.Expired();
      list.push_back(std::move(item));
    }
    return list;
  }

  // The state document's form: each rule's request and counts, and the
  // next id. LoadState() re-reads every request with `parse` (which throws
  // for a bad one), and replaces the rules only when `commit` is set.
  nlohmann::json DumpState() const {
    MutexLock lock(mutex_);
    nlohmann::json rules = nlohmann::json::array();
    for (const Entry& entry : entries_) {
      rules.push_back({{"id", entry.id}, {"request", entry.spec}, {"matched", entry.matched},
                       {"applied", entry.applied}});
    }
    return {{"rules", std::move(rules)}, {"next_id", next_id_}};
  }
  template <typename Parse>
  void LoadState(const nlohmann::json& state, Parse&& parse, bool commit) {
    std::vector<Entry> entries;
    for (const nlohmann::json& rule : state.at("rules")) {
      auto [parsed, limits] = parse(rule.at("request"));
      Entry entry{rule.at("id").get<std::string>(), std::move(parsed), limits, rule.at("request")};
      entry.matched = rule.at("matched").get<std::uint64_t>();
      entry.applied = rule.at("applied").get<std::uint64_t>();
      entries.push_back(std::move(entry));
    }
    const auto next_id = state.at("next_id").get<std::uint64_t>();
    if (!commit) return;
    MutexLock lock(mutex_);
    Changed();
    entries_ = std::move(entries);
    next_id_ = next_id;
  }

  // All rules, or the one `id` names; returns how many went.
  std::size_t Remove(const std::optional<std::string>& id) {
    return RemoveIf([&](const std::string& rule_id, const Rule&) { return !id || rule_id == *id; });
  }
  // A scoped reset's share: the rules whose match names exactly its scope.
  std::size_t RemoveFor(const domain::ScopeFilter& filter) {
    return RemoveIf([&](const std::string&, const Rule& rule) {
      return NamesScope(rule.match, filter);
    });
  }

 private:
  template <typename Pick>
  std::size_t RemoveIf(Pick&& remove) {
    MutexLock lock(mutex_);
    const auto before = entries_.size();
    std::erase_if(entries_, [&](const Entry& entry) { return remove(entry.id, entry.rule); });
    if (entries_.size() != before) Changed();
    return before - entries_.size();
  }

  struct Entry {
    std::string id;
    Rule rule;
    RuleLimits limits;
    nlohmann::json spec;
    std::uint64_t matched = 0;
    std::uint64_t applied = 0;

    bool Expired() const { return limits.times && applied >= *limits.times; }
  };

  void Changed() const {
    if (marks_ != nullptr) marks_->SectionChanged(section_);
  }

  const std::string prefix_;
  StateMarks* marks_ = nullptr;
  StateSection section_ = StateSection::kOutcomes;
  mutable Mutex mutex_;
  std::vector<Entry> entries_ GUARDED_BY(mutex_);
  std::uint64_t next_id_ GUARDED_BY(mutex_) = 1;
};

}  // namespace sluice::control
