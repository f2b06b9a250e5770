#include "fault_rules.h"

#include <string_view>

#include "control_json.h"
#include "glob.h"

namespace sluice::control {

namespace {

constexpr double kMaxLatencyMs = 60'000;

// What AWS answers with each of the errors a test most often injects.
unsigned DefaultStatus(std::string_view type) {
  if (type == "ServiceUnavailableException" || type == "ServiceUnavailable") return 503;
  if (type == "InternalFailure" || type == "InternalServerError" || type == "InternalError") {
    return 500;
  }
  return 400;
}

bool IsErrorType(std::string_view type) {
  if (type.empty() || type.size() > 128) return false;
  for (const char c : type) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '#' || c == '_' || c == ':';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

std::string FaultRules::Add(const nlohmann::json& request) {
  auto [rule, limits] = Parse(request);
  return book_.Add(std::move(rule), limits, request);
}

std::pair<FaultRule, RuleLimits> FaultRules::Parse(const nlohmann::json& request) {
  FieldReader fields(request);
  FaultRule rule;
  rule.match = ReadMatch(fields, {"operation", "account", "region"});
  const auto phase = fields.String("phase").value_or("before");
  if (phase != "before" && phase != "after") BadField("phase", "must be before or after");
  rule.fault.after = phase == "after";
  if (const nlohmann::json* error = fields.Object("error")) {
    FieldReader error_fields(*error, "error.");
    protocol::WireFault wire;
    wire.type = error_fields.String("type").value_or("");
    if (!IsErrorType(wire.type)) {
      BadField("error.type", "must name an AWS error, e.g. ThrottlingException");
    }
    wire.status = static_cast<unsigned>(
        error_fields.Count("status", 400, 599).value_or(DefaultStatus(wire.type)));
    wire.message = error_fields.String("message").value_or("Injected by sluice");
    error_fields.Done();
    rule.fault.error = std::move(wire);
  }
  if (const auto ms = fields.Number("latencyMs", 0, kMaxLatencyMs)) {
    rule.fault.latency = std::chrono::milliseconds(static_cast<long>(*ms));
  }
  if (!rule.fault.error && rule.fault.latency.count() == 0) {
    BadField("error", "or latencyMs must be given: a fault must do something");
  }
  const RuleLimits limits = ReadLimits(fields, true);
  fields.Done();
  return {std::move(rule), limits};
}

std::optional<protocol::InjectedFault> FaultRules::Draw(std::string_view operation,
                                                        std::string_view account,
                                                        std::string_view region) {
  auto rule = book_.Take([&](const FaultRule& candidate) {
    for (const auto& [field, glob] : candidate.match) {
      const std::string_view value = field == "operation" ? operation
                                     : field == "account" ? account
                                                          : region;
      if (!GlobMatch(glob, value)) return false;
    }
    return true;
  });
  if (!rule) return std::nullopt;
  return std::move(rule->fault);
}

}  // namespace sluice::control
