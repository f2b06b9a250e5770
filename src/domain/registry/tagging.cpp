#include "sluice/domain/registry/tagging.h"

#include <algorithm>
#include <set>

#include "domain/page_token.h"
#include "sluice/domain/errors.h"

namespace sluice::domain {

namespace {

constexpr std::string_view kWebhookPrefix = "webhook:";
constexpr std::string_view kActionTypePrefix = "actiontype:";

bool IsSystemKey(std::string_view key) { return key.substr(0, 4) == "aws:"; }

bool IsWordChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// The model's pipeline and webhook names: 1-100 of [A-Za-z0-9.@\-_].
bool IsResourceName(std::string_view name) {
  if (name.empty() || name.size() > 100) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return IsWordChar(c) || c == '.' || c == '@' || c == '-';
  });
}

// aws, or aws-<word> repeated (aws-cn, aws-us-gov), as the model's pattern.
bool IsPartition(std::string_view partition) {
  if (partition.substr(0, 3) != "aws") return false;
  std::string_view rest = partition.substr(3);
  while (!rest.empty()) {
    if (rest.front() != '-') return false;
    rest.remove_prefix(1);
    const auto word = std::find_if_not(rest.begin(), rest.end(), IsWordChar) - rest.begin();
    if (word == 0) return false;
    rest.remove_prefix(static_cast<std::size_t>(word));
  }
  return true;
}

bool IsRegion(std::string_view region) {
  return !region.empty() && std::all_of(region.begin(), region.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

bool IsAccount(std::string_view account) {
  return account.size() == 12 &&
         std::all_of(account.begin(), account.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Custom/<Category>/<Provider>/<Version>, each part non-empty.
bool IsCustomActionTypeId(std::string_view id) {
  if (id.substr(0, 7) != "Custom/") return false;
  std::string_view rest = id.substr(7);
  for (int part = 0; part < 3; ++part) {
    const auto slash = rest.find('/');
    const std::string_view piece = rest.substr(0, slash);
    if (piece.empty() || piece.find(':') != std::string_view::npos) return false;
    if ((slash == std::string_view::npos) != (part == 2)) return false;
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
  }
  return true;
}

// Splits off the text before the next ':'; false when there is none.
bool NextField(std::string_view& rest, std::string_view& field) {
  const auto colon = rest.find(':');
  if (colon == std::string_view::npos) return false;
  field = rest.substr(0, colon);
  rest.remove_prefix(colon + 1);
  return true;
}

// Keys a request may set: unique, none of them a system key.
Status CheckKeys(const std::vector<Tag>& tags) {
  std::set<std::string_view> keys;
  for (const Tag& tag : tags) {
    if (IsSystemKey(tag.key)) return SystemTagKey();
    if (!keys.insert(tag.key).second) {
      return DuplicateTagKey(tag.key);
    }
  }
  return Ok{};
}

ServiceError NotFound(const Scope& caller, const ResourceArn& arn) {
  switch (arn.kind) {
    case ResourceKind::kPipeline: return ResourceNotFound(caller, "pipeline", arn.id);
    case ResourceKind::kWebhook: return ResourceNotFound(caller, "webhook", arn.id);
    case ResourceKind::kActionType: break;
  }
  return ResourceNotFound(caller, "custom action type", arn.id);
}

}  // namespace

Status CheckNewTags(const std::vector<Tag>& tags) {
  if (auto keys = CheckKeys(tags); !keys) return keys;
  if (tags.size() > kMaxTagsPerResource) {
    return TooManyTags(kMaxTagsPerResource, tags.size());
  }
  return Ok{};
}

Status MergeTags(std::vector<Tag>& tags, const std::vector<Tag>& added, std::string_view arn) {
  std::vector<Tag> merged = tags;
  for (const Tag& tag : added) {
    const auto it = std::find_if(merged.begin(), merged.end(),
                                 [&tag](const Tag& existing) { return existing.key == tag.key; });
    if (it != merged.end()) {
      it->value = tag.value;
    } else {
      merged.push_back(tag);
    }
  }
  if (merged.size() > kMaxTagsPerResource) return TagLimitExceeded(arn);
  tags = std::move(merged);
  return Ok{};
}

Result<ResourceArn> ParseResourceArn(std::string_view arn) {
  std::string_view rest = arn;
  std::string_view prefix, partition, service, region, account;
  if (!NextField(rest, prefix) || !NextField(rest, partition) || !NextField(rest, service) ||
      !NextField(rest, region) || !NextField(rest, account)) {
    return InvalidArn(arn);
  }
  if (prefix != "arn" || !IsPartition(partition) || service != "codepipeline" ||
      !IsRegion(region) || !IsAccount(account)) {
    return InvalidArn(arn);
  }
  ResourceArn parsed{std::string(partition), {std::string(account), std::string(region)},
                     ResourceKind::kPipeline, std::string(rest)};
  if (rest.substr(0, kWebhookPrefix.size()) == kWebhookPrefix) {
    parsed.kind = ResourceKind::kWebhook;
    parsed.id = rest.substr(kWebhookPrefix.size());
    if (!IsResourceName(parsed.id)) return InvalidArn(arn);
  } else if (rest.substr(0, kActionTypePrefix.size()) == kActionTypePrefix) {
    parsed.kind = ResourceKind::kActionType;
    parsed.id = rest.substr(kActionTypePrefix.size());
    if (!IsCustomActionTypeId(parsed.id)) return InvalidArn(arn);
  } else if (!IsResourceName(rest)) {
    return InvalidArn(arn);
  }
  return parsed;
}

std::string WebhookArn(const Scope& scope, std::string_view name) {
  return PipelineArn(scope, std::string(kWebhookPrefix) + std::string(name));
}

void TaggingService::Register(ResourceKind kind, TaggableResources& owner) {
  owners_[kind] = &owner;
}

Result<TaggingService::Target> TaggingService::Resolve(const Scope& caller,
                                                       std::string_view arn) const {
  auto parsed = ParseResourceArn(arn);
  if (!parsed) return parsed.error();
  // sluice's ARNs are all in the "aws" partition; another partition, account
  // or region holds nothing the caller can reach.
  if (parsed->partition != "aws" || !(parsed->scope == caller)) {
    return ResourceNotFound(caller, "resource", arn);
  }
  const auto it = owners_.find(parsed->kind);
  if (it == owners_.end()) return NotFound(caller, *parsed);
  return Target{it->second, std::move(*parsed)};
}

Result<TagPage> TaggingService::List(const Scope& caller, std::string_view arn,
                                     const std::optional<std::string>& next_token,
                                     std::optional<std::size_t> max_results) const {
  auto target = Resolve(caller, arn);
  if (!target) return target.error();
  auto after = PageStart(next_token);
  if (!after) return after.error();
  auto tags = target->owner->Tags(caller, target->arn.id);
  if (!tags) return NotFound(caller, target->arn);
  std::sort(tags->begin(), tags->end(),
            [](const domain::Tag& a, const domain::Tag& b) { return a.key < b.key; });
  // Keys are never empty, so the start ("") precedes every one.
  const auto first = std::upper_bound(
      tags->begin(), tags->end(), *after,
      [](const std::string& key, const domain::Tag& tag) { return key < tag.key; });
  const std::size_t limit = max_results.value_or(limits_.default_page_size);
  TagPage page;
  for (auto it = first; it != tags->end() && page.tags.size() < limit; ++it) {
    page.tags.push_back(*it);
  }
  if (!page.tags.empty() && first + static_cast<std::ptrdiff_t>(page.tags.size()) != tags->end()) {
    page.next_token = EncodePageToken(page.tags.back().key);
  }
  return page;
}

Status TaggingService::Tag(const Scope& caller, std::string_view arn,
                           const std::vector<domain::Tag>& tags) {
  auto target = Resolve(caller, arn);
  if (!target) return target.error();
  if (auto keys = CheckKeys(tags); !keys) return keys;
  Status outcome = Ok{};
  const bool found = target->owner->EditTags(
      caller, target->arn.id, [&](std::vector<domain::Tag>& current) {
        outcome = MergeTags(current, tags, arn);
        return outcome;
      });
  if (!found) return NotFound(caller, target->arn);
  return outcome;
}

Status TaggingService::Untag(const Scope& caller, std::string_view arn,
                             const std::vector<std::string>& keys) {
  auto target = Resolve(caller, arn);
  if (!target) return target.error();
  if (std::any_of(keys.begin(), keys.end(), [](const std::string& key) { return IsSystemKey(key); })) {
    return SystemTagKey();
  }
  const bool found =
      target->owner->EditTags(caller, target->arn.id, [&keys](std::vector<domain::Tag>& current) {
        std::erase_if(current, [&keys](const domain::Tag& tag) {
          return std::find(keys.begin(), keys.end(), tag.key) != keys.end();
        });
        return Status(Ok{});
      });
  if (!found) return NotFound(caller, target->arn);
  return Ok{};
}

}  // namespace sluice::domain
