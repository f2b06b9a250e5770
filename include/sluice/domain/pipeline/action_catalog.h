// The action types CodePipeline itself provides (owner AWS or ThirdParty),
// with the artifact counts and required configuration AWS enforces on a
// declaration. Source: AWS's "Valid action types and providers" and "Valid
// input and output artifacts for each action type" reference pages.
// Static data: safe from any thread.
#pragma once

#include <optional>
#include <span>
#include <string_view>

namespace sluice::domain {

struct ArtifactBounds {
  int min;
  int max;
};

struct ActionTypeInfo {
  std::string_view owner;     // AWS or ThirdParty
  std::string_view category;  // Source, Build, ...
  std::string_view provider;
  ArtifactBounds inputs;
  ArtifactBounds outputs;
  bool v2_only;
  std::span<const std::string_view> required_configuration;
};

// nullptr when CodePipeline offers no such action type (version "1" is the
// only version of every built-in type).
const ActionTypeInfo* FindActionType(std::string_view owner, std::string_view category,
                                     std::string_view provider, std::string_view version);

std::span<const ActionTypeInfo> BuiltInActionTypes();

}  // namespace sluice::domain
