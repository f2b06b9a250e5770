#include "control_json.h"

#include <cmath>
#include <utility>

namespace sluice::control {

void BadField(const std::string& field, const std::string& what) {
  throw ControlError{400, "BadRequest", field + " " + what, field};
}

FieldReader::FieldReader(const nlohmann::json& object, std::string prefix)
    : object_(object), prefix_(std::move(prefix)) {
  if (!object_.is_object()) {
    const std::string name = prefix_.empty() ? "the body" : prefix_.substr(0, prefix_.size() - 1);
    throw ControlError{400, "BadRequest", name + " must be a JSON object",
                       prefix_.empty() ? "" : name};
  }
}

const nlohmann::json* FieldReader::Field(const std::string& key) {
  known_.insert(key);
  const auto it = object_.find(key);
  if (it == object_.end() || it->is_null()) return nullptr;
  return &*it;
}

std::optional<std::string> FieldReader::String(const std::string& key) {
  const nlohmann::json* value = Field(key);
  if (value == nullptr) return std::nullopt;
  if (!value->is_string()) BadField(Name(key), "must be a string");
  return value->get<std::string>();
}

std::optional<bool> FieldReader::Bool(const std::string& key) {
  const nlohmann::json* value = Field(key);
  if (value == nullptr) return std::nullopt;
  if (!value->is_boolean()) BadField(Name(key), "must be true or false");
  return value->get<bool>();
}

std::optional<double> FieldReader::Number(const std::string& key, double low, double high) {
  const nlohmann::json* value = Field(key);
  if (value == nullptr) return std::nullopt;
  if (!value->is_number()) BadField(Name(key), "must be a number");
  const double number = value->get<double>();
  if (!std::isfinite(number) || number < low || number > high) {
    // Whole bounds read as whole numbers: "from 0 to 60000".
    const auto text = [](double bound) {
      const auto whole = static_cast<long long>(bound);
      return static_cast<double>(whole) == bound ? std::to_string(whole)
                                                 : nlohmann::json(bound).dump();
    };
    BadField(Name(key), "must be from " + text(low) + " to " + text(high));
  }
  return number;
}

std::optional<std::uint64_t> FieldReader::Count(const std::string& key, std::uint64_t low,
                                                std::uint64_t high) {
  const nlohmann::json* value = Field(key);
  if (value == nullptr) return std::nullopt;
  if (!value->is_number_integer() ||
      (!value->is_number_unsigned() && value->get<std::int64_t>() < 0)) {
    BadField(Name(key), "must be a whole number from " + std::to_string(low) + " to " +
                            std::to_string(high));
  }
  const auto count = value->get<std::uint64_t>();
  if (count < low || count > high) {
    BadField(Name(key), "must be a whole number from " + std::to_string(low) + " to " +
                            std::to_string(high));
  }
  return count;
}

std::optional<std::map<std::string, std::string>> FieldReader::StringMap(const std::string& key) {
  const nlohmann::json* value = Field(key);
  if (value == nullptr) return std::nullopt;
  if (!value->is_object()) BadField(Name(key), "must be an object of strings");
  std::map<std::string, std::string> map;
  for (const auto& [name, entry] : value->items()) {
    if (!entry.is_string()) BadField(Name(key) + "." + name, "must be a string");
    map.emplace(name, entry.get<std::string>());
  }
  return map;
}

const nlohmann::json* FieldReader::Object(const std::string& key) {
  const nlohmann::json* value = Field(key);
  if (value != nullptr && !value->is_object()) BadField(Name(key), "must be a JSON object");
  return value;
}

const nlohmann::json* FieldReader::Array(const std::string& key) {
  const nlohmann::json* value = Field(key);
  if (value != nullptr && !value->is_array()) BadField(Name(key), "must be an array");
  return value;
}

void FieldReader::Done() const {
  for (const auto& [key, value] : object_.items()) {
    if (!known_.contains(key)) BadField(Name(key), "is not a field this control knows");
  }
}

std::string Required(FieldReader& fields, const std::string& key) {
  auto value = fields.String(key);
  if (!value || value->empty()) BadField(fields.Name(key), "is required");
  return std::move(*value);
}

domain::Scope ReadScope(FieldReader& fields, const domain::Scope& fallback) {
  return {fields.String("account").value_or(fallback.account_id),
          fields.String("region").value_or(fallback.region)};
}

}  // namespace sluice::control
