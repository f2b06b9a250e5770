// Webhook operations: PutWebhook, ListWebhooks, DeleteWebhook,
// RegisterWebhookWithThirdParty and DeregisterWebhookWithThirdParty, as typed
// requests with JSON codecs over domain::WebhookRegistry.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>

#include "sluice/api/operation_table.h"
#include "sluice/domain/registry/webhook_registry.h"

namespace sluice::api {

// Decoders take input that passed model validation.
domain::WebhookDefinition DecodeWebhookDefinition(const nlohmann::json& definition);

// A ListWebhookItem. The secret token is redacted, as AWS does in responses.
// The url is `base_url` (where the caller reached sluice, or --public-url)
// followed by the webhook's path.
nlohmann::json WebhookItemJson(const domain::Webhook& webhook, const domain::Scope& scope,
                               const std::string& base_url);

void RegisterWebhookOps(OperationTable& table, domain::WebhookRegistry& registry);

}  // namespace sluice::api
