#include "sluice/domain/registry/webhook_registry.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <mutex>

#include "sluice/domain/registry/json_path.h"
#include "domain/page_token.h"
#include "sluice/common/ids.h"
#include "sluice/domain/errors.h"

namespace sluice::domain {

namespace {

// The webhook `name` of `scope` in `scopes` (const or not), or null.
template <typename Scopes>
auto FindIn(Scopes& scopes, const Scope& scope, std::string_view name)
    -> decltype(&scopes.begin()->second.begin()->second) {
  const auto scope_it = scopes.find(ScopeKey(scope));
  if (scope_it == scopes.end()) return nullptr;
  const auto it = scope_it->second.find(name);
  return it == scope_it->second.end() ? nullptr : &it->second;
}

std::string NewWebhookToken() {
  std::string token = RandomUuid() + RandomUuid();
  std::erase(token, '-');
  return token;
}

ServiceError InvalidAuthentication(std::string message) {
  return {ErrorCode::kInvalidWebhookAuthenticationParameters, std::move(message)};
}

}  // namespace

std::string WebhookPath(const Scope& scope, const Webhook& webhook) {
  return "/webhooks/" + scope.region + "/" + scope.account_id + "/" + webhook.definition.name +
         "?t=" + webhook.token + "&v=1";
}

std::string_view ToString(WebhookAuthentication authentication) {
  switch (authentication) {
    case WebhookAuthentication::kGithubHmac: return "GITHUB_HMAC";
    case WebhookAuthentication::kIp: return "IP";
    case WebhookAuthentication::kUnauthenticated: break;
  }
  return "UNAUTHENTICATED";
}

std::optional<WebhookAuthentication> ParseWebhookAuthentication(std::string_view text) {
  if (text == "GITHUB_HMAC") return WebhookAuthentication::kGithubHmac;
  if (text == "IP") return WebhookAuthentication::kIp;
  if (text == "UNAUTHENTICATED") return WebhookAuthentication::kUnauthenticated;
  return std::nullopt;
}

bool IsCidr(std::string_view range) {
  const auto slash = range.find('/');
  if (slash == std::string_view::npos) return false;
  const std::string address(range.substr(0, slash));
  const std::string_view prefix = range.substr(slash + 1);
  if (prefix.empty() || prefix.size() > 3 ||
      !std::all_of(prefix.begin(), prefix.end(),
                   [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; })) {
    return false;
  }
  const int bits = std::stoi(std::string(prefix));
  std::array<unsigned char, 16> buffer{};
  if (inet_pton(AF_INET, address.c_str(), buffer.data()) == 1) return bits <= 32;
  if (inet_pton(AF_INET6, address.c_str(), buffer.data()) == 1) return bits <= 128;
  return false;
}

WebhookRegistry::WebhookRegistry(const PipelineRepository& pipelines, WebhookLimits limits)
    : pipelines_(pipelines), limits_(limits) {}

Status WebhookRegistry::CheckDefinition(const Scope& scope,
                                        const WebhookDefinition& definition) const {
  for (const WebhookFilter& filter : definition.filters) {
    if (!IsJsonPath(filter.json_path)) {
      return InvalidWebhookFilterPattern(filter.json_path);
    }
  }
  switch (definition.authentication) {
    case WebhookAuthentication::kGithubHmac:
      if (!definition.secret_token) {
        return InvalidAuthentication(
            "GITHUB_HMAC authentication needs a SecretToken in authenticationConfiguration");
      }
      break;
    case WebhookAuthentication::kIp:
      if (!definition.allowed_ip_range) {
        return InvalidAuthentication(
            "IP authentication needs an AllowedIPRange in authenticationConfiguration");
      }
      if (!IsCidr(*definition.allowed_ip_range)) {
        return InvalidAuthentication("AllowedIPRange '" + *definition.allowed_ip_range +
                                     "' is not a CIDR block");
      }
      break;
    case WebhookAuthentication::kUnauthenticated: break;
  }
  auto pipeline = pipelines_.LatestView(scope, definition.target_pipeline);
  if (!pipeline) return pipeline.error();
  for (const StageView& stage : (*pipeline)->stages) {
    for (const ActionView& action : stage.actions) {
      if (action.name != definition.target_action) continue;
      if (action.category == ActionCategory::kSource) return Ok{};
      return ServiceError::Validation("Webhook target action '" + definition.target_action +
                                      "' of pipeline '" + definition.target_pipeline +
                                      "' is not a source action");
    }
  }
  return ServiceError::Validation("Pipeline '" + definition.target_pipeline +
                                  "' has no action named '" + definition.target_action + "'");
}

Result<Webhook> WebhookRegistry::Put(const Scope& scope, WebhookDefinition definition,
                                     std::vector<Tag> tags) {
  if (auto status = CheckDefinition(scope, definition); !status) return status.error();
  WriterLock lock(mutex_);
  Changed();
  Webhooks& webhooks = scopes_[ScopeKey(scope)];
  const auto it = webhooks.find(definition.name);
  if (it != webhooks.end()) {
    Webhook& existing = it->second;
    if (auto merged = MergeTags(existing.tags, tags, existing.arn); !merged) {
      return merged.error();
    }
    existing.definition = std::move(definition);
    return existing;
  }
  if (webhooks.size() >= limits_.max_webhooks_per_scope) {
    return LimitExceeded(scope, limits_.max_webhooks_per_scope, "webhooks");
  }
  const std::string name = definition.name;
  Webhook webhook{std::move(definition), NewWebhookToken(), WebhookArn(scope, name),
                  std::move(tags), false, std::nullopt};
  return webhooks.emplace(name, std::move(webhook)).first->second;
}

Result<WebhookPage> WebhookRegistry::List(const Scope& scope,
                                          const std::optional<std::string>& next_token,
                                          std::optional<std::size_t> max_results) const {
  auto after = PageStart(next_token, "NextToken");
  if (!after) return after.error();
  const std::size_t limit = max_results.value_or(limits_.default_page_size);
  WebhookPage page;
  ReaderLock lock(mutex_);
  const auto scope_it = scopes_.find(ScopeKey(scope));
  if (scope_it == scopes_.end()) return page;
  const Webhooks& webhooks = scope_it->second;
  // Names are never empty, so the start ("") precedes every one.
  auto it = webhooks.upper_bound(*after);
  for (; it != webhooks.end() && page.webhooks.size() < limit; ++it) {
    page.webhooks.push_back(it->second);
  }
  if (it != webhooks.end() && !page.webhooks.empty()) {
    page.next_token = EncodePageToken(page.webhooks.back().definition.name);
  }
  return page;
}

std::optional<Webhook> WebhookRegistry::Find(const Scope& scope, std::string_view name) const {
  ReaderLock lock(mutex_);
  const Webhook* found = FindIn(scopes_, scope, name);
  if (found == nullptr) return std::nullopt;
  return *found;
}

void WebhookRegistry::MarkTriggered(const Scope& scope, std::string_view name,
                                    Clock::TimePoint when) {
  WriterLock lock(mutex_);
  Changed();
  if (Webhook* found = FindIn(scopes_, scope, name)) found->last_triggered = when;
}

std::size_t WebhookRegistry::RemoveAll(const ScopeFilter& filter) {
  WriterLock lock(mutex_);
  Changed();
  return EraseScopes(scopes_, filter, [](const Webhooks& webhooks) { return webhooks.size(); });
}

void WebhookRegistry::Delete(const Scope& scope, std::string_view name) {
  WriterLock lock(mutex_);
  Changed();
  const auto scope_it = scopes_.find(ScopeKey(scope));
  if (scope_it == scopes_.end()) return;
  if (const auto it = scope_it->second.find(name); it != scope_it->second.end()) {
    scope_it->second.erase(it);
  }
}

Status WebhookRegistry::SetRegistered(const Scope& scope, const std::optional<std::string>& name,
                                      bool registered) {
  if (!name) {
    return WebhookNameRequired();
  }
  WriterLock lock(mutex_);
  Changed();
  Webhook* webhook = FindIn(scopes_, scope, *name);
  if (webhook == nullptr) return WebhookNotFound(scope, *name);
  webhook->registered_with_third_party = registered;
  return Ok{};
}

Status WebhookRegistry::RegisterWithThirdParty(const Scope& scope,
                                               const std::optional<std::string>& name) {
  return SetRegistered(scope, name, true);
}

Status WebhookRegistry::DeregisterWithThirdParty(const Scope& scope,
                                                 const std::optional<std::string>& name) {
  return SetRegistered(scope, name, false);
}

std::optional<std::vector<Tag>> WebhookRegistry::Tags(const Scope& scope,
                                                      std::string_view name) const {
  auto webhook = Find(scope, name);
  if (!webhook) return std::nullopt;
  return std::move(webhook->tags);
}

bool WebhookRegistry::EditTags(const Scope& scope, std::string_view name, const TagEdit& edit) {
  WriterLock lock(mutex_);
  Changed();
  Webhook* webhook = FindIn(scopes_, scope, name);
  if (webhook == nullptr) return false;
  // The edit leaves the tags alone when it fails; its outcome is the caller's.
  static_cast<void>(edit(webhook->tags));
  return true;
}

}  // namespace sluice::domain
