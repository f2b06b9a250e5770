// The state document's JSON forms of the domain's types (GET/PUT
// /_sluice/state): one to_json/from_json pair per type, found by ADL. Reading
// is strict: a missing member, a wrong type or an unknown enum name throws,
// so that a document that does not fit is refused instead of half-read.
// Times are epoch milliseconds; ids are their canonical text.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>

#include "sluice/common/clock.h"
#include "sluice/common/ids.h"
#include "sluice/domain/engine/execution.h"
#include "sluice/domain/engine/execution_engine.h"
#include "sluice/domain/engine/job.h"
#include "sluice/domain/engine/outcome_policy.h"
#include "sluice/domain/pipeline/pipeline.h"
#include "sluice/domain/pipeline/pipeline_view.h"
#include "sluice/domain/registry/action_type.h"
#include "sluice/domain/registry/webhook_registry.h"

namespace nlohmann {

template <typename T>
struct adl_serializer<std::optional<T>> {
  static void to_json(json& j, const std::optional<T>& value) {
    if (value) {
      j = *value;
    } else {
      j = nullptr;
    }
  }
  static void from_json(const json& j, std::optional<T>& value) {
    if (j.is_null()) {
      value.reset();
    } else {
      value = j.get<T>();
    }
  }
};

// Clock::TimePoint and Clock::Duration, as milliseconds (std's types: ADL
// would not find functions of sluice's for them).
template <>
struct adl_serializer<sluice::Clock::TimePoint> {
  static void to_json(json& j, const sluice::Clock::TimePoint& when) {
    j = when.time_since_epoch().count();
  }
  static void from_json(const json& j, sluice::Clock::TimePoint& when) {
    when = sluice::Clock::TimePoint(sluice::Clock::Duration(j.get<sluice::Clock::Duration::rep>()));
  }
};

template <>
struct adl_serializer<sluice::Clock::Duration> {
  static void to_json(json& j, const sluice::Clock::Duration& duration) { j = duration.count(); }
  static void from_json(const json& j, sluice::Clock::Duration& duration) {
    duration = sluice::Clock::Duration(j.get<sluice::Clock::Duration::rep>());
  }
};

}  // namespace nlohmann

namespace sluice {

inline void to_json(nlohmann::json& j, const Uuid& id) { j = id.ToString(); }
inline void from_json(const nlohmann::json& j, Uuid& id) {
  const auto parsed = Uuid::Parse(j.get_ref<const std::string&>());
  if (!parsed) throw std::invalid_argument("not an id: " + j.get<std::string>());
  id = *parsed;
}

}  // namespace sluice

// Enums by name, in declaration order; an unknown name throws.
#define SLUICE_STATE_ENUM(Type, ...)                                                     \
  inline void to_json(nlohmann::json& j, Type value) {                                   \
    static const char* const kNames[] = {__VA_ARGS__};                                   \
    j = kNames[static_cast<std::size_t>(value)];                                         \
  }                                                                                      \
  inline void from_json(const nlohmann::json& j, Type& value) {                          \
    static const char* const kNames[] = {__VA_ARGS__};                                   \
    const std::string& name = j.get_ref<const std::string&>();                           \
    for (std::size_t i = 0; i < sizeof kNames / sizeof kNames[0]; ++i) {                 \
      if (name == kNames[i]) {                                                           \
        value = static_cast<Type>(i);                                                    \
        return;                                                                          \
      }                                                                                  \
    }                                                                                    \
    throw std::invalid_argument("not a " #Type ": " + name);                             \
  }

namespace sluice::domain {

SLUICE_STATE_ENUM(ExecutionStatus, "InProgress", "Stopping", "Stopped", "Succeeded", "Superseded",
                  "Failed", "Cancelled")
SLUICE_STATE_ENUM(StageStatus, "InProgress", "Stopping", "Stopped", "Succeeded", "Failed",
                  "Cancelled", "Skipped")
SLUICE_STATE_ENUM(ActionStatus, "InProgress", "Abandoned", "Succeeded", "Failed")
SLUICE_STATE_ENUM(ConditionKind, "beforeEntry", "onSuccess", "onFailure")
SLUICE_STATE_ENUM(ConditionStatus, "InProgress", "Failed", "Errored", "Succeeded", "Cancelled",
                  "Abandoned", "Overridden")
SLUICE_STATE_ENUM(JobStatus, "Created", "Queued", "Dispatched", "InProgress", "TimedOut",
                  "Succeeded", "Failed")
SLUICE_STATE_ENUM(JobKind, "Custom", "ThirdParty")
SLUICE_STATE_ENUM(RetryMode, "FAILED_ACTIONS", "ALL_ACTIONS")
SLUICE_STATE_ENUM(WebhookAuthentication, "GITHUB_HMAC", "IP", "UNAUTHENTICATED")
SLUICE_STATE_ENUM(PipelineType, "V1", "V2")
SLUICE_STATE_ENUM(ExecutionMode, "QUEUED", "SUPERSEDED", "PARALLEL")

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Scope, account_id, region)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Tag, key, value)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(ExecutionTrigger, type, detail)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(ResolvedVariable, name, value)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(ArtifactLocation, name, bucket, key)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(TransitionBlock, reason, user, when)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(ScriptedOutcome, succeeded, error_code, error_message, duration,
                                   output_variables, summary, external_execution_id, hold)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(ActionTypeKey, category, owner, provider, version)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Job, id, kind, status, scope, nonce, client_id, type,
                                   pipeline_name, execution_id, stage_name, action_name,
                                   action_execution_id, configuration, input_artifacts,
                                   output_artifacts, continuation_token, created, sequence)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(ActionTypeId, category, owner, provider, version)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(ConfigurationProperty, name, required, key, secret, queryable,
                                   description, type)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(ArtifactCounts, minimum, maximum)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(ActionTypeUrls, configuration_url, entity_url_template,
                                   execution_url_template, revision_url_template)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(ActionType, id, urls, properties, inputs, outputs, description,
                                   executor, allowed_accounts, tags)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(WebhookFilter, json_path, match_equals)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(WebhookDefinition, name, target_pipeline, target_action, filters,
                                   authentication, allowed_ip_range, secret_token)

// A webhook: its URL's token (documents written before webhooks fired hold
// the whole webhooks.aws URL instead, its token after "t="), and when it
// last started its pipeline, if ever.
inline void to_json(nlohmann::json& j, const Webhook& webhook) {
  j = {{"definition", webhook.definition},
       {"token", webhook.token},
       {"arn", webhook.arn},
       {"tags", webhook.tags},
       {"registered_with_third_party", webhook.registered_with_third_party}};
  if (webhook.last_triggered) j["last_triggered"] = *webhook.last_triggered;
}

inline void from_json(const nlohmann::json& j, Webhook& webhook) {
  j.at("definition").get_to(webhook.definition);
  if (j.contains("token")) {
    j.at("token").get_to(webhook.token);
  } else {
    const auto url = j.at("url").get<std::string>();
    const auto start = url.find("t=");
    if (start == std::string::npos) throw std::invalid_argument("a webhook url without its t= token");
    webhook.token = url.substr(start + 2, url.find('&', start) - (start + 2));
  }
  j.at("arn").get_to(webhook.arn);
  j.at("tags").get_to(webhook.tags);
  j.at("registered_with_third_party").get_to(webhook.registered_with_third_party);
  if (j.contains("last_triggered")) {
    webhook.last_triggered = j.at("last_triggered").get<Clock::TimePoint>();
  }
}
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(PipelineSummary, name, version, type, mode, created, updated)

// A rule run's script is shared by pointer; the document holds its value.
inline void to_json(nlohmann::json& j, const std::shared_ptr<const ScriptedOutcome>& script) {
  if (script) {
    j = *script;
  } else {
    j = nullptr;
  }
}
inline void from_json(const nlohmann::json& j, std::shared_ptr<const ScriptedOutcome>& script) {
  script = j.is_null() ? nullptr : std::make_shared<const ScriptedOutcome>(j.get<ScriptedOutcome>());
}

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(RuleRun, rule_name, rule_execution_id, status, start_time,
                                   last_update_time, due, category, owner, provider, version,
                                   region, role_arn, configuration, resolved_configuration,
                                   input_artifacts, summary, error_code, error_message, script)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(ConditionRun, kind, status, summary, last_change, rules)

// Reads `what` of `j`, naming `where` in what it throws.
template <typename T>
T ReadAt(const nlohmann::json& j, const std::string& where) {
  try {
    return j.get<T>();
  } catch (const std::exception& e) {
    throw std::invalid_argument(where + ": " + e.what());
  }
}

}  // namespace sluice::domain

#undef SLUICE_STATE_ENUM
