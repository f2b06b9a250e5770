// The URL PutWebhook hands out, answering: POST
// /webhooks/<region>/<account>/<name>?t=<token>&v=1 with a payload (a GitHub
// push, say) authenticates it as the webhook says, applies its filters and
// starts its pipeline (triggers::SourceTriggers::Webhook). AWS documents no
// answers for refused calls ("otherwise, the request is ignored"); sluice's
// (README "Triggers and webhooks"):
//   200 {"started": true, "pipelineExecutionId"}   the pipeline started
//   200 {"started": false, "ignored": reason}      a filter did not match
//   400 BadRequest     the body is not JSON
//   401 Unauthorized   a wrong or missing signature, or an address outside the range
//   404 NotFound       no such webhook (deleted, or the token is not its own)
//   405                not a POST
//   409 Conflict       it matched, but the pipeline could not start (gone, or at its limit)
#pragma once

#include "sluice/net/request_handler.h"
#include "triggers/source_triggers.h"

namespace sluice::control {

net::HttpResponse HandleWebhookCall(triggers::SourceTriggers& sources,
                                    const net::HttpRequest& request);

}  // namespace sluice::control
