#include "sluice/domain/engine/rule_evaluator.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <regex>
#include <set>
#include <vector>

namespace sluice::domain {

namespace {

constexpr std::size_t kMaxMatchedLength = 1000;

std::string Upper(std::string_view text) {
  std::string upper(text);
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return upper;
}

std::vector<std::string_view> Split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t end = text.find(separator, start);
    parts.push_back(text.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos) return parts;
    start = end + 1;
  }
}

std::optional<int> Number(std::string_view text) {
  int value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// One cron field's allowed values within [low, high]; names map to numbers.
struct Field {
  int low;
  int high;
  std::array<std::string_view, 12> names;  // names[i] is low + i
  int name_base;
};

constexpr Field kMinutes{0, 59, {}, 0};
constexpr Field kHours{0, 23, {}, 0};
constexpr Field kDaysOfMonth{1, 31, {}, 0};
constexpr Field kMonths{1, 12, {"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"}, 1};
constexpr Field kDaysOfWeek{1, 7, {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}, 1};
constexpr Field kYears{1970, 2199, {}, 0};

std::optional<int> Value(std::string_view text, const Field& field) {
  if (auto number = Number(text)) return number;
  const std::string upper = Upper(text);
  for (std::size_t i = 0; i < field.names.size(); ++i) {
    if (!field.names[i].empty() && field.names[i] == upper) {
      return field.name_base + static_cast<int>(i);
    }
  }
  return std::nullopt;
}

Result<std::set<int>> Expand(std::string_view text, const Field& field) {
  const auto invalid = [&] {
    return ServiceError::Validation("Unsupported cron field '" + std::string(text) + "'");
  };
  std::set<int> values;
  for (std::string_view part : Split(text, ',')) {
    int step = 1;
    if (const auto slash = part.find('/'); slash != std::string_view::npos) {
      const auto parsed = Number(part.substr(slash + 1));
      if (!parsed || *parsed <= 0) return invalid();
      step = *parsed;
      part = part.substr(0, slash);
    }
    int first = field.low;
    int last = field.high;
    if (part != "*" && part != "?") {
      const auto dash = part.find('-');
      const auto from = Value(part.substr(0, dash), field);
      if (!from) return invalid();
      first = *from;
      last = step > 1 && dash == std::string_view::npos ? field.high : first;
      if (dash != std::string_view::npos) {
        const auto to = Value(part.substr(dash + 1), field);
        if (!to) return invalid();
        last = *to;
      }
    }
    if (first < field.low || last > field.high || first > last) return invalid();
    for (int value = first; value <= last; value += step) values.insert(value);
  }
  return values;
}

Result<bool> FieldIncludes(std::string_view text, const Field& field, int value) {
  auto values = Expand(text, field);
  if (!values) return values.error();
  return values->contains(value);
}

std::optional<double> AsNumber(std::string_view text) {
  double value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::string Get(const std::map<std::string, std::string>& map, const std::string& key) {
  const auto it = map.find(key);
  return it == map.end() ? std::string() : it->second;
}

RuleOutcome Errored(std::string message) {
  return {false, message, "ConfigurationError", std::move(message)};
}

}  // namespace

Result<bool> CompareVariable(std::string_view value, std::string_view op, std::string_view expected) {
  const std::string upper = Upper(op);
  if (upper == "EQ") return value == expected;
  if (upper == "NE") return value != expected;
  if (upper == "CONTAINS") return value.find(expected) != std::string_view::npos;
  if (upper == "MATCHES") {
    // std::regex matches recursively: bound the input so that a long value
    // cannot exhaust the engine thread's stack.
    if (value.size() > kMaxMatchedLength || expected.size() > kMaxMatchedLength) {
      return ServiceError::Validation("MATCHES compares values and patterns of at most " +
                                      std::to_string(kMaxMatchedLength) + " characters");
    }
    try {
      return std::regex_search(std::string(value), std::regex(std::string(expected)));
    } catch (const std::regex_error&) {
      return ServiceError::Validation("'" + std::string(expected) + "' is not a regular expression");
    }
  }
  if (upper == "GT" || upper == "GE" || upper == "LT" || upper == "LE") {
    const auto left = AsNumber(value);
    const auto right = AsNumber(expected);
    if (!left || !right) {
      return ServiceError::Validation("Operator " + upper + " compares numbers; '" +
                                      std::string(value) + "' and '" + std::string(expected) +
                                      "' are not both numbers");
    }
    if (upper == "GT") return *left > *right;
    if (upper == "GE") return *left >= *right;
    if (upper == "LT") return *left < *right;
    return *left <= *right;
  }
  return ServiceError::Validation("Unknown operator '" + std::string(op) + "'");
}

Result<bool> CronIncludes(std::string_view cron, std::chrono::sys_seconds local) {
  std::vector<std::string_view> fields;
  for (std::string_view field : Split(cron, ' ')) {
    if (!field.empty()) fields.push_back(field);
  }
  if (fields.size() != 6 && fields.size() != 7) {
    return ServiceError::Validation("A cron expression has 6 or 7 fields: '" + std::string(cron) + "'");
  }
  const auto days = std::chrono::floor<std::chrono::days>(local);
  const std::chrono::year_month_day date{days};
  const std::chrono::hh_mm_ss time{local - days};
  const unsigned weekday = std::chrono::weekday{days}.c_encoding() + 1;  // Quartz: SUN = 1
  const std::array<std::pair<const Field*, int>, 6> checks{{
      {&kMinutes, static_cast<int>(time.minutes().count())},
      {&kHours, static_cast<int>(time.hours().count())},
      {&kDaysOfMonth, static_cast<int>(static_cast<unsigned>(date.day()))},
      {&kMonths, static_cast<int>(static_cast<unsigned>(date.month()))},
      {&kDaysOfWeek, static_cast<int>(weekday)},
      {&kYears, static_cast<int>(date.year())},
  }};
  for (std::size_t i = 0; i < checks.size(); ++i) {
    const std::size_t index = i + 1;  // field 0 holds the seconds
    if (index >= fields.size()) break;  // no year field: every year
    auto included = FieldIncludes(fields[index], *checks[i].first, checks[i].second);
    if (!included) return included.error();
    if (!*included) return false;
  }
  return true;
}

Result<std::chrono::minutes> UtcOffset(std::string_view zone) {
  const std::string upper = Upper(zone);
  if (upper.empty() || upper == "UTC" || upper == "GMT" || upper == "Z" || upper == "ETC/UTC" ||
      upper == "ETC/GMT") {
    return std::chrono::minutes(0);
  }
  const auto unsupported = [&] {
    return ServiceError::Validation("Unsupported time zone '" + std::string(zone) +
                                    "': sluice knows UTC, UTC+hh:mm and Etc/GMT+h");
  };
  int sign = 0;
  std::string_view rest;
  if (upper.rfind("ETC/GMT", 0) == 0 && upper.size() > 7) {
    sign = upper[7] == '+' ? -1 : upper[7] == '-' ? 1 : 0;  // POSIX: GMT+5 is UTC-5
    rest = std::string_view(zone).substr(8);
  } else if ((upper.rfind("UTC", 0) == 0 || upper.rfind("GMT", 0) == 0) && upper.size() > 3) {
    sign = upper[3] == '+' ? 1 : upper[3] == '-' ? -1 : 0;
    rest = std::string_view(zone).substr(4);
  }
  if (sign == 0) return unsupported();
  const auto colon = rest.find(':');
  const auto hours = Number(rest.substr(0, colon));
  const auto minutes = colon == std::string_view::npos ? std::optional<int>(0) : Number(rest.substr(colon + 1));
  if (!hours || !minutes || *hours > 14 || *minutes > 59) return unsupported();
  return std::chrono::minutes(sign * (*hours * 60 + *minutes));
}

RuleOutcome EvaluateRule(const RuleView& rule, const std::map<std::string, std::string>& resolved,
                         Clock::TimePoint now, bool external_rules_succeed) {
  if (rule.provider == "VariableCheck") {
    const std::string value = Get(resolved, "Variable");
    const std::string expected = Get(resolved, "Value");
    const std::string op = Get(resolved, "Operator");
    auto matched = CompareVariable(value, op, expected);
    if (!matched) return Errored(matched.error().message());
    return {*matched, "Variable value '" + value + "' " + (*matched ? "meets" : "does not meet") +
                          " the condition " + op + " '" + expected + "'", {}, {}};
  }
  if (rule.provider == "DeploymentWindow") {
    auto offset = UtcOffset(Get(resolved, "TimeZone"));
    if (!offset) return Errored(offset.error().message());
    const auto local = std::chrono::floor<std::chrono::seconds>(now) + *offset;
    auto inside = CronIncludes(Get(resolved, "Cron"), local);
    if (!inside) return Errored(inside.error().message());
    return {*inside, *inside ? "The current time is within the deployment window"
                             : "The current time is outside the deployment window",
            {}, {}};
  }
  // A rule that would ask an outside service: the configured outcome.
  return {external_rules_succeed,
          "Rule " + rule.provider + " is not evaluated locally; sluice resolves it as " +
              (external_rules_succeed ? "succeeded" : "failed"),
          {}, {}};
}

RuleOutcome ScriptedRuleOutcome(const ScriptedOutcome& script) {
  RuleOutcome outcome;
  outcome.succeeded = script.succeeded;
  if (!script.succeeded) {
    outcome.error_code = script.error_code;
    outcome.error_message = script.error_message;
  }
  outcome.summary = script.summary.value_or(script.succeeded ? "Scripted to succeed"
                                                             : script.error_message);
  return outcome;
}

}  // namespace sluice::domain
