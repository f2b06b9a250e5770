// WebhookRegistry: CodePipeline's webhooks per scope (account and region):
// PutWebhook's checks and create-or-replace, listing in name order, deletion,
// and the third-party registration flag. It keeps each webhook's tags and
// lends them to the TaggingService (TaggableResources, keyed by name).
//
// Thread-safety: every method may be called from any thread; one shared
// mutex guards the webhooks (reads in parallel, writes alone). The pipeline
// a webhook targets is read through the PipelineRepository, outside that lock.
#pragma once

#include <cstddef>
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/common/clock.h"
#include "sluice/common/mutex.h"
#include "sluice/common/state_marks.h"
#include "sluice/common/result.h"
#include "sluice/domain/pipeline/pipeline.h"
#include "sluice/domain/pipeline/pipeline_repository.h"
#include "sluice/domain/registry/tagging.h"

namespace sluice::domain {

enum class WebhookAuthentication { kGithubHmac, kIp, kUnauthenticated };

std::string_view ToString(WebhookAuthentication authentication);
std::optional<WebhookAuthentication> ParseWebhookAuthentication(std::string_view text);

struct WebhookFilter {
  std::string json_path;
  std::optional<std::string> match_equals;
  friend bool operator==(const WebhookFilter&, const WebhookFilter&) = default;
};

struct WebhookDefinition {
  std::string name;
  std::string target_pipeline;
  std::string target_action;
  std::vector<WebhookFilter> filters;
  WebhookAuthentication authentication = WebhookAuthentication::kUnauthenticated;
  std::optional<std::string> allowed_ip_range;
  std::optional<std::string> secret_token;
  friend bool operator==(const WebhookDefinition&, const WebhookDefinition&) = default;
};

struct Webhook {
  WebhookDefinition definition;
  std::string token;  // the secret part of its URL (WebhookPath)
  std::string arn;
  std::vector<Tag> tags;
  bool registered_with_third_party = false;
  std::optional<Clock::TimePoint> last_triggered;  // its last call that started the pipeline
};

// Where sluice takes a webhook's calls, below the server's base URL:
// "/webhooks/<region>/<account>/<name>?t=<token>&v=1" (AWS's own URLs end in
// the same "?t=<token>&v=1").
std::string WebhookPath(const Scope& scope, const Webhook& webhook);

struct WebhookPage {
  std::vector<Webhook> webhooks;
  std::optional<std::string> next_token;
};

struct WebhookLimits {
  std::size_t max_webhooks_per_scope = 300;  // AWS's default quota per Region
  std::size_t default_page_size = 100;
};

// An IPv4 or IPv6 CIDR block ("10.0.0.0/8", "2001:db8::/32").
bool IsCidr(std::string_view range);

class WebhookRegistry final : public TaggableResources {
 public:
  // `pipelines` must outlive the registry.
  explicit WebhookRegistry(const PipelineRepository& pipelines, WebhookLimits limits = {});
  WebhookRegistry(const WebhookRegistry&) = delete;
  WebhookRegistry& operator=(const WebhookRegistry&) = delete;

  // Creates the webhook, or replaces the definition of the one of that name
  // (keeping its URL and registration, and merging `tags` into its tags).
  // PipelineNotFoundException, ValidationException (the target action is not
  // a source action of the pipeline), InvalidWebhookFilterPatternException,
  // InvalidWebhookAuthenticationParametersException, InvalidTagsException,
  // TooManyTagsException, LimitExceededException.
  Result<Webhook> Put(const Scope& scope, WebhookDefinition definition, std::vector<Tag> tags);

  Result<WebhookPage> List(const Scope& scope, const std::optional<std::string>& next_token,
                           std::optional<std::size_t> max_results) const;

  std::optional<Webhook> Find(const Scope& scope, std::string_view name) const;

  // Records a call that started the webhook's pipeline (ListWebhooks'
  // lastTriggered). A webhook deleted meanwhile stays deleted.
  void MarkTriggered(const Scope& scope, std::string_view name, Clock::TimePoint when);

  // Deleting a webhook that does not exist succeeds, as deleting a pipeline does.
  void Delete(const Scope& scope, std::string_view name);
  // The state document's webhooks (GET/PUT /_sluice/state), with their
  // URLs, secrets, registrations and tags. ParseState() throws
  // std::invalid_argument naming what does not fit; CommitState() replaces
  // every webhook.
  struct StagedState;
  nlohmann::json DumpState() const;
  std::shared_ptr<StagedState> ParseState(const nlohmann::json& state) const;
  void CommitState(std::shared_ptr<StagedState> staged);

  // A reset: every webhook of the scopes `filter` matches. Returns how many.
  std::size_t RemoveAll(const ScopeFilter& filter);

  // WebhookNotFoundException when `name` is absent or names no webhook.
  Status RegisterWithThirdParty(const Scope& scope, const std::optional<std::string>& name);
  Status DeregisterWithThirdParty(const Scope& scope, const std::optional<std::string>& name);

  std::optional<std::vector<Tag>> Tags(const Scope& scope, std::string_view name) const override;
  bool EditTags(const Scope& scope, std::string_view name, const TagEdit& edit) override;

  // The journal (src/persist/): every change is marked on `marks`. Set
  // before the registry is used.
  void SetStateMarks(StateMarks* marks) { marks_ = marks; }

 private:
  // Key: "account/region", then the webhook's name.
  using Webhooks = std::map<std::string, Webhook, std::less<>>;

  Status CheckDefinition(const Scope& scope, const WebhookDefinition& definition) const;
  Status SetRegistered(const Scope& scope, const std::optional<std::string>& name, bool registered);

  const PipelineRepository& pipelines_;
  WebhookLimits limits_;
  mutable SharedMutex mutex_;
  std::map<std::string, Webhooks, std::less<>> scopes_ GUARDED_BY(mutex_);
  void Changed() const {
    if (marks_ != nullptr) marks_->SectionChanged(StateSection::kWebhooks);
  }
  StateMarks* marks_ = nullptr;
};

}  // namespace sluice::domain
