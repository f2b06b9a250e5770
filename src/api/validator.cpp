#include "sluice/api/validator.h"

#include <algorithm>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "pattern.h"

namespace sluice::api {

namespace {

using nlohmann::json;
using model::Shape;
using model::ShapeIndex;
using model::ShapeType;

constexpr std::size_t kMaxListedErrors = 10;

// One compiled Pattern per shape that has one, built on first use.
const Pattern* PatternOf(ShapeIndex index) {
  static const std::vector<std::unique_ptr<Pattern>> patterns = [] {
    std::vector<std::unique_ptr<Pattern>> all;
    for (const Shape& shape : model::Shapes()) {
      all.push_back(shape.pattern.empty() ? nullptr : std::make_unique<Pattern>(shape.pattern));
    }
    return all;
  }();
  return patterns[index].get();
}

// How Coral names a JSON token in its deserialization errors.
std::string_view TokenName(const json& value) {
  switch (value.type()) {
    case json::value_t::object: return "START_OBJECT";
    case json::value_t::array: return "START_ARRAY";
    case json::value_t::string: return "VALUE_STRING";
    case json::value_t::boolean: return value.get<bool>() ? "VALUE_TRUE" : "VALUE_FALSE";
    case json::value_t::number_float: return "VALUE_NUMBER_FLOAT";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned: return "VALUE_NUMBER_INT";
    default: return "VALUE_NULL";
  }
}

std::string_view TypeName(ShapeType type) {
  switch (type) {
    case ShapeType::kStructure: return "a structure";
    case ShapeType::kList: return "a list";
    case ShapeType::kMap: return "a map";
    case ShapeType::kString: return "a string";
    case ShapeType::kInteger:
    case ShapeType::kLong: return "an integer";
    case ShapeType::kBoolean: return "a boolean";
    case ShapeType::kTimestamp: return "a timestamp";
    case ShapeType::kDouble:
    case ShapeType::kFloat: return "a number";
    case ShapeType::kBlob: return "a base64 string";
  }
  return "a value";
}

// AWS measures string lengths in UTF-16 code units (Java's String.length()),
// not bytes: one per character, two for characters beyond the BMP.
std::int64_t Utf16Length(std::string_view utf8) {
  std::int64_t length = 0;
  for (const char c : utf8) {
    const auto byte = static_cast<unsigned char>(c);
    if ((byte & 0xC0U) != 0x80U) ++length;  // a lead byte starts a character
    if (byte >= 0xF0U) ++length;            // four-byte sequence: a surrogate pair
  }
  return length;
}

bool TypeFits(ShapeType type, const json& value) {
  switch (type) {
    case ShapeType::kStructure:
    case ShapeType::kMap: return value.is_object();
    case ShapeType::kList: return value.is_array();
    case ShapeType::kString:
    case ShapeType::kBlob: return value.is_string();
    case ShapeType::kInteger:
      return value.is_number_integer() && value.get<std::int64_t>() >= INT32_MIN &&
             value.get<std::int64_t>() <= INT32_MAX;
    case ShapeType::kLong: return value.is_number_integer();
    case ShapeType::kBoolean: return value.is_boolean();
    case ShapeType::kTimestamp: return value.is_number() || value.is_string();
    case ShapeType::kDouble:
    case ShapeType::kFloat: return value.is_number();
  }
  return false;
}

class Walker {
 public:
  void Walk(ShapeIndex index, const json& value) {
    if (type_error_) return;
    const Shape& shape = model::Shapes()[index];
    if (!TypeFits(shape.type, value)) return TypeError(shape, value);
    switch (shape.type) {
      case ShapeType::kStructure: return WalkStructure(shape, value);
      case ShapeType::kList: return WalkList(shape, value);
      case ShapeType::kMap: return WalkMap(shape, value);
      case ShapeType::kString:
      case ShapeType::kInteger:
      case ShapeType::kLong: return CheckScalar(index, value);
      default: return;
    }
  }

  Status Finish() const {
    if (type_error_) return ServiceError::Serialization(*type_error_);
    if (errors_.empty()) return Ok{};
    // AWS lists at most ten violations, and counts only those it lists.
    const std::size_t listed = std::min(errors_.size(), kMaxListedErrors);
    std::string message = std::to_string(listed) + (listed == 1 ? " validation error detected: "
                                                                : " validation errors detected: ");
    for (std::size_t i = 0; i < listed; ++i) {
      if (i != 0) message += "; ";
      message += errors_[i];
    }
    return ServiceError::Validation(std::move(message));
  }

 private:
  // Appends ".name" (or "name" at the top) to the path for one scope.
  class PathScope {
   public:
    PathScope(std::string& path, std::string_view segment) : path_(path), size_(path.size()) {
      if (!path_.empty()) path_ += '.';
      path_ += segment;
    }
    ~PathScope() { path_.resize(size_); }
    PathScope(const PathScope&) = delete;
    PathScope& operator=(const PathScope&) = delete;

   private:
    std::string& path_;
    std::size_t size_;
  };

  void WalkStructure(const Shape& shape, const json& object) {
    for (const model::Member& member : shape.members) {
      PathScope scope(path_, member.name);
      const auto it = object.find(member.name);
      // JSON null is an absent member, as AWS treats it.
      if (it == object.end() || it->is_null()) {
        if (member.required) AddError("Member must not be null");
        continue;
      }
      Walk(member.shape, *it);
      if (type_error_) return;
    }
  }

  static bool IsScalar(ShapeType type) {
    return type == ShapeType::kString || type == ShapeType::kInteger || type == ShapeType::kLong;
  }

  void WalkList(const Shape& shape, const json& list) {
    CheckLength(shape, list.size());
    const Shape& element_shape = model::Shapes()[shape.list_member];
    if (IsScalar(element_shape.type)) {
      // Scalar elements are reported once, at the list, naming every
      // constraint of the element shape.
      bool broken = false;
      for (const json& element : list) {
        if (element.is_null()) continue;
        if (!TypeFits(element_shape.type, element)) return TypeError(element_shape, element);
        broken = broken || !Violations(shape.list_member, element).empty();
      }
      if (broken) {
        AddError("Member must satisfy constraint: [" + AllConstraints(shape.list_member) + "]");
      }
      return;
    }
    std::size_t position = 1;
    for (const json& element : list) {
      PathScope scope(path_, std::to_string(position++) + ".member");
      if (element.is_null()) continue;
      Walk(shape.list_member, element);
      if (type_error_) return;
    }
  }

  void WalkMap(const Shape& shape, const json& map) {
    CheckLength(shape, map.size());
    bool bad_key = false;
    for (const auto& [key, value] : map.items()) {
      bad_key = bad_key || !Violations(shape.map_key, json(key)).empty();
    }
    if (bad_key) {
      AddError("Map keys must satisfy constraint: [" + AllConstraints(shape.map_key) + "]");
    }
    const Shape& value_shape = model::Shapes()[shape.map_value];
    if (IsScalar(value_shape.type)) {
      bool broken = false;
      for (const auto& [key, value] : map.items()) {
        if (value.is_null()) continue;
        if (!TypeFits(value_shape.type, value)) return TypeError(value_shape, value);
        broken = broken || !Violations(shape.map_value, value).empty();
      }
      if (broken) {
        AddError("Map value must satisfy constraint: [" + AllConstraints(shape.map_value) + "]");
      }
      return;
    }
    for (const auto& [key, value] : map.items()) {
      if (value.is_null()) continue;
      PathScope scope(path_, key + ".member");
      Walk(shape.map_value, value);
      if (type_error_) return;
    }
  }

  void CheckScalar(ShapeIndex index, const json& value) {
    for (auto& constraint : Violations(index, value)) AddError(constraint);
  }

  // The constraints a scalar value breaks, in AWS's order: pattern, maximum,
  // minimum, enum.
  static std::vector<std::string> Violations(ShapeIndex index, const json& value) {
    const Shape& shape = model::Shapes()[index];
    std::vector<std::string> out;
    if (value.is_string()) {
      const auto& text = value.get_ref<const std::string&>();
      const std::int64_t length = Utf16Length(text);
      if (const Pattern* pattern = PatternOf(index); pattern && !pattern->Matches(text)) {
        out.push_back("Member must satisfy regular expression pattern: " +
                      std::string(shape.pattern));
      }
      if (shape.max && length > *shape.max) out.push_back(LengthAtMost(*shape.max));
      if (shape.min && length < *shape.min) out.push_back(LengthAtLeast(*shape.min));
      if (!shape.enum_values.empty() &&
          std::find(shape.enum_values.begin(), shape.enum_values.end(), text) ==
              shape.enum_values.end()) {
        out.push_back(EnumConstraint(shape));
      }
    } else if (value.is_number_integer()) {
      const auto number = value.get<std::int64_t>();
      if (shape.max && number > *shape.max) out.push_back(ValueAtMost(*shape.max));
      if (shape.min && number < *shape.min) out.push_back(ValueAtLeast(*shape.min));
    }
    return out;
  }

  // Every constraint of a scalar shape, as AWS lists them inside "[...]".
  static std::string AllConstraints(ShapeIndex index) {
    const Shape& shape = model::Shapes()[index];
    const bool is_string = shape.type == ShapeType::kString;
    std::vector<std::string> all;
    if (shape.max) all.push_back(is_string ? LengthAtMost(*shape.max) : ValueAtMost(*shape.max));
    if (shape.min) all.push_back(is_string ? LengthAtLeast(*shape.min) : ValueAtLeast(*shape.min));
    if (!shape.pattern.empty()) {
      all.push_back("Member must satisfy regular expression pattern: " + std::string(shape.pattern));
    }
    if (!shape.enum_values.empty()) all.push_back(EnumConstraint(shape));
    std::string joined;
    for (std::size_t i = 0; i < all.size(); ++i) joined += (i == 0 ? "" : ", ") + all[i];
    return joined;
  }

  static std::string LengthAtMost(std::int64_t n) {
    return "Member must have length less than or equal to " + std::to_string(n);
  }
  static std::string LengthAtLeast(std::int64_t n) {
    return "Member must have length greater than or equal to " + std::to_string(n);
  }
  static std::string ValueAtMost(std::int64_t n) {
    return "Member must have value less than or equal to " + std::to_string(n);
  }
  static std::string ValueAtLeast(std::int64_t n) {
    return "Member must have value greater than or equal to " + std::to_string(n);
  }
  static std::string EnumConstraint(const Shape& shape) {
    std::string set = "Member must satisfy enum value set: [";
    for (std::size_t i = 0; i < shape.enum_values.size(); ++i) {
      if (i != 0) set += ", ";
      set += shape.enum_values[i];
    }
    return set + "]";
  }

  void CheckLength(const Shape& shape, std::size_t size) {
    const auto length = static_cast<std::int64_t>(size);
    if (shape.max && length > *shape.max) AddError(LengthAtMost(*shape.max));
    if (shape.min && length < *shape.min) AddError(LengthAtLeast(*shape.min));
  }

  void TypeError(const Shape& shape, const json& value) {
    type_error_ = "Unexpected " + std::string(TokenName(value)) + " at '" + path_ +
                  "': expected " + std::string(TypeName(shape.type));
  }

  // CodePipeline never echoes the offending value: "Value at '<path>' ...".
  void AddError(const std::string& constraint) {
    errors_.push_back("Value at '" + path_ + "' failed to satisfy constraint: " + constraint);
  }

  std::string path_;
  std::vector<std::string> errors_;
  std::optional<std::string> type_error_;
};

}  // namespace

Status ValidateAgainstModel(model::ShapeIndex shape, const nlohmann::json& value) {
  Walker walker;
  walker.Walk(shape, value);
  return walker.Finish();
}

}  // namespace sluice::api
