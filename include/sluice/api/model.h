// Facts about the CodePipeline service model (shapes, members, constraints,
// operations and their errors), generated from botocore's service-2.json by
// scripts/gen_model.py into src/api/generated/model_facts.cpp.
//
// Everything here is immutable static data: safe to read from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace sluice::model {

enum class ShapeType : std::uint8_t {
  kStructure,
  kList,
  kMap,
  kString,
  kInteger,
  kLong,
  kBoolean,
  kTimestamp,
  kDouble,
  kFloat,
  kBlob,
};

// Index into Shapes(); kNoShape marks "none" (e.g. an operation without input).
using ShapeIndex = std::uint16_t;
inline constexpr ShapeIndex kNoShape = 0xFFFF;

struct Member {
  std::string_view name;
  ShapeIndex shape;
  bool required;
};

struct Shape {
  std::string_view name;
  ShapeType type;
  // "min"/"max" of the model: a length for strings, lists and maps, a value
  // for numbers.
  std::optional<std::int64_t> min;
  std::optional<std::int64_t> max;
  std::string_view pattern;                    // empty when the shape has none
  std::span<const std::string_view> enum_values;  // empty when not an enum
  std::span<const Member> members;             // structures, in model order
  ShapeIndex list_member = kNoShape;           // lists
  ShapeIndex map_key = kNoShape;               // maps
  ShapeIndex map_value = kNoShape;             // maps
};

struct Operation {
  std::string_view name;
  ShapeIndex input = kNoShape;
  ShapeIndex output = kNoShape;
  std::span<const std::string_view> errors;  // error shape names, model order
};

// All shapes, indexed by ShapeIndex.
std::span<const Shape> Shapes();
// All operations, sorted by name.
std::span<const Operation> Operations();
// nullptr when the model has no such operation.
const Operation* FindOperation(std::string_view name);
// kNoShape when the model has no such shape.
ShapeIndex FindShape(std::string_view name);

// Identify the model the facts were generated from.
std::string_view ModelApiVersion();
std::string_view ModelTargetPrefix();

}  // namespace sluice::model
