// The webhook registry's part of the state document.
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "domain/state_json.h"
#include "sluice/domain/registry/webhook_registry.h"

namespace sluice::domain {

using nlohmann::json;

struct WebhookRegistry::StagedState {
  std::map<std::string, Webhooks, std::less<>> scopes;
};

json WebhookRegistry::DumpState() const {
  ReaderLock lock(mutex_);
  json webhooks = json::array();
  for (const auto& [key, scope_webhooks] : scopes_) {
    for (const auto& [name, webhook] : scope_webhooks) {
      webhooks.push_back({{"scope", key}, {"webhook", webhook}});
    }
  }
  return webhooks;
}

std::shared_ptr<WebhookRegistry::StagedState> WebhookRegistry::ParseState(
    const json& state) const {
  auto staged = std::make_shared<StagedState>();
  std::size_t index = 0;
  for (const json& entry : state) {
    const std::string where = "webhooks[" + std::to_string(index++) + "]";
    const auto key = ReadAt<std::string>(entry.at("scope"), where + ".scope");
    if (key.find('/') == std::string::npos) throw std::invalid_argument(where + ": not a scope");
    auto webhook = ReadAt<Webhook>(entry.at("webhook"), where + ".webhook");
    const std::string name = webhook.definition.name;
    if (!staged->scopes[key].emplace(name, std::move(webhook)).second) {
      throw std::invalid_argument(where + ": repeats webhook " + name);
    }
  }
  return staged;
}

void WebhookRegistry::CommitState(std::shared_ptr<StagedState> staged) {
  WriterLock lock(mutex_);
  scopes_ = std::move(staged->scopes);
}

}  // namespace sluice::domain
