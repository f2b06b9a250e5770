// Reading the test controls' JSON bodies: each field with its type and
// range, and no field the control does not know, so that a typo in a test is
// a 400 naming the field instead of a rule that silently matches everything.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>

#include "sluice/domain/pipeline/pipeline.h"

namespace sluice::control {

// A control request that cannot be carried out: its HTTP status, a kind
// (BadRequest, NotFound, MethodNotAllowed, Conflict), a message, and the
// field at fault, if one is.
struct ControlError {
  unsigned status = 400;
  std::string kind = "BadRequest";
  std::string message;
  std::string field;
};

// Throws the 400 ControlError for `field`.
[[noreturn]] void BadField(const std::string& field, const std::string& what);

// The fields of one JSON object. Each getter checks its field's type and
// marks it known; Done() refuses any field no getter asked for. Fields are
// named in errors with `prefix` ("match.stage").
class FieldReader {
 public:
  FieldReader(const nlohmann::json& object, std::string prefix = "");

  std::optional<std::string> String(const std::string& key);
  std::optional<bool> Bool(const std::string& key);
  std::optional<double> Number(const std::string& key, double low, double high);
  std::optional<std::uint64_t> Count(const std::string& key, std::uint64_t low,
                                     std::uint64_t high);
  std::optional<std::map<std::string, std::string>> StringMap(const std::string& key);
  // A nested object or array, or null when absent.
  const nlohmann::json* Object(const std::string& key);
  const nlohmann::json* Array(const std::string& key);
  std::string Name(const std::string& key) const { return prefix_ + key; }
  void Done() const;

 private:
  const nlohmann::json* Field(const std::string& key);

  const nlohmann::json& object_;
  std::string prefix_;
  std::set<std::string> known_;
};

// A string field that must be there and not be empty (400 naming it otherwise).
std::string Required(FieldReader& fields, const std::string& key);

// The account and region a control's body names, else `fallback`'s (the
// server's defaults, as for unsigned AWS calls).
domain::Scope ReadScope(FieldReader& fields, const domain::Scope& fallback);

}  // namespace sluice::control
