// Tags on CodePipeline resources: the rules AWS applies to them (at most 50
// per resource, unique keys, no "aws:" keys), resource ARNs, and the
// TaggingService behind TagResource, UntagResource and ListTagsForResource.
//
// Each kind of resource keeps its own tags, next to the resource, so that
// deleting the resource drops them and there is one source of truth. The
// owner exposes them through the TaggableResources port; the TaggingService
// parses an ARN, picks the owner registered for its kind and applies the
// rules. Pipelines, webhooks and custom action types are registered; a new
// kind is one Register call.
//
// Thread-safety: TaggingService is safe to use from any thread once every
// owner is registered (registration happens at start-up). Owners must make
// Tags and EditTags thread-safe.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/common/result.h"
#include "sluice/domain/pipeline/pipeline.h"

namespace sluice::domain {

inline constexpr std::size_t kMaxTagsPerResource = 50;  // AWS's quota

// Tags given with a new resource: unique keys, none starting "aws:", at most
// kMaxTagsPerResource. InvalidTagsException or TooManyTagsException.
Status CheckNewTags(const std::vector<Tag>& tags);

// TagResource's merge: `added` overwrites the values of keys `tags` already
// has and appends the others, in the order given. TooManyTagsException (and
// `tags` unchanged) when the result would exceed kMaxTagsPerResource.
Status MergeTags(std::vector<Tag>& tags, const std::vector<Tag>& added, std::string_view arn);

// The port through which a kind of resource lends its tags out.
class TaggableResources {
 public:
  virtual ~TaggableResources() = default;

  // nullopt when the scope has no resource with that id.
  virtual std::optional<std::vector<Tag>> Tags(const Scope& scope,
                                               std::string_view id) const = 0;

  // Runs `edit` on the resource's tags under the owner's lock, so that
  // concurrent edits neither interleave nor outlive the resource. The edit
  // leaves the tags unchanged when it fails. False when there is no such
  // resource (and `edit` did not run).
  using TagEdit = std::function<Status(std::vector<Tag>& tags)>;
  virtual bool EditTags(const Scope& scope, std::string_view id, const TagEdit& edit) = 0;
};

enum class ResourceKind { kPipeline, kWebhook, kActionType };

// What a CodePipeline ARN names:
//   arn:aws:codepipeline:<region>:<account>:<pipeline-name>
//   arn:aws:codepipeline:<region>:<account>:webhook:<webhook-name>
//   arn:aws:codepipeline:<region>:<account>:actiontype:Custom/<Category>/<Provider>/<Version>
struct ResourceArn {
  std::string partition;
  Scope scope;
  ResourceKind kind = ResourceKind::kPipeline;
  std::string id;  // the pipeline or webhook name, or "Custom/<Category>/<Provider>/<Version>"
};

// InvalidArnException when `arn` is not one of the forms above.
Result<ResourceArn> ParseResourceArn(std::string_view arn);

std::string WebhookArn(const Scope& scope, std::string_view name);

struct TagPage {
  std::vector<Tag> tags;
  std::optional<std::string> next_token;
};

struct TaggingLimits {
  std::size_t default_page_size = 50;  // every tag of a resource fits one page
};

class TaggingService {
 public:
  explicit TaggingService(TaggingLimits limits = {}) : limits_(limits) {}
  TaggingService(const TaggingService&) = delete;
  TaggingService& operator=(const TaggingService&) = delete;

  // At start-up only. `owner` must outlive the service.
  void Register(ResourceKind kind, TaggableResources& owner);

  // Tags in key order, paged after the last key returned.
  Result<TagPage> List(const Scope& caller, std::string_view arn,
                       const std::optional<std::string>& next_token,
                       std::optional<std::size_t> max_results) const;
  Status Tag(const Scope& caller, std::string_view arn, const std::vector<Tag>& tags);
  // Keys the resource does not have are ignored.
  Status Untag(const Scope& caller, std::string_view arn, const std::vector<std::string>& keys);

 private:
  // The owner and id `arn` names in the caller's scope: InvalidArnException
  // for a malformed ARN, ResourceNotFoundException for one of another
  // account, region or partition, or of a kind nothing is registered for.
  struct Target {
    TaggableResources* owner;
    ResourceArn arn;
  };
  Result<Target> Resolve(const Scope& caller, std::string_view arn) const;

  TaggingLimits limits_;
  std::map<ResourceKind, TaggableResources*> owners_;
};

}  // namespace sluice::domain
