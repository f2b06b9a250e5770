#include "sluice/domain/engine/source_revisions.h"

#include <nlohmann/json.hpp>
#include <random>

namespace sluice::domain {

namespace {

bool IsGitProvider(std::string_view provider) {
  return provider == "CodeCommit" || provider == "CodeStarSourceConnection" ||
         provider == "GitHub";
}

std::string Iso8601(Clock::TimePoint t) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(
      std::chrono::time_point_cast<std::chrono::seconds>(t));
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

std::string Config(const ActionView& action, const char* key, std::string fallback = "") {
  const auto it = action.configuration.find(key);
  return it == action.configuration.end() ? fallback : it->second;
}

}  // namespace

std::string RandomHex(std::size_t length) {
  thread_local std::mt19937_64 generator{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(length, '0');
  for (char& c : out) c = kHex[generator() & 0xFU];
  return out;
}

std::uint64_t MixSeed(std::uint64_t seed, std::uint64_t value) {
  std::uint64_t z = seed + 0x9E3779B97F4A7C15ULL * (value + 1);
  z = (z ^ (z >> 30U)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27U)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31U);
}

std::string HexStream::Next(std::size_t length) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(length, '0');
  std::uint64_t bits = 0;
  for (std::size_t i = 0; i < length; ++i) {
    if (i % 16 == 0) bits = state_ = MixSeed(state_, i);
    out[i] = kHex[bits & 0xFU];
    bits >>= 4U;
  }
  return out;
}

Status CheckRevisionType(const ActionView& action, std::string_view type) {
  const std::string_view provider = action.provider;
  bool fits = false;
  if (type == "COMMIT_ID") fits = IsGitProvider(provider);
  if (type == "IMAGE_DIGEST") fits = provider == "ECR";
  if (type == "S3_OBJECT_VERSION_ID") fits = provider == "S3";
  if (type == "S3_OBJECT_KEY") {
    fits = provider == "S3" && Config(action, "AllowOverrideForS3ObjectKey") == "true";
    if (provider == "S3" && !fits) {
      return ServiceError::Validation(
          "The source revision type S3_OBJECT_KEY can only be used for action '" + action.name +
          "' when its configuration sets AllowOverrideForS3ObjectKey to true");
    }
  }
  if (!fits) {
    return ServiceError::Validation("The source revision type " + std::string(type) +
                                    " is not supported for action '" + action.name +
                                    "' with provider " + std::string(provider));
  }
  return Ok{};
}

void ApplySourceDetails(const ActionView& action, const std::map<std::string, std::string>& details,
                        SourceOutcome& outcome) {
  for (const auto& [name, value] : details) outcome.output_variables[name] = value;
  ArtifactRevision& revision = outcome.revision;
  if (const auto message = details.find("CommitMessage"); message != details.end()) {
    revision.revision_summary =
        action.provider == "CodeStarSourceConnection"
            ? nlohmann::json{{"ProviderType", "GitHub"}, {"CommitMessage", message->second}}.dump()
            : message->second;
  }
  if (const auto tag = details.find("ImageTag"); tag != details.end() && action.provider == "ECR") {
    revision.revision_summary = "Image tag: " + tag->second;
  }
  outcome.action_summary = revision.revision_summary;
}

SourceOutcome MakeSourceOutcome(const ActionView& action, const std::string& region,
                                const std::string& account_id,
                                const std::optional<std::string>& revision_type,
                                const std::optional<std::string>& revision_value,
                                Clock::TimePoint now, std::uint64_t seed) {
  HexStream hex(seed);
  SourceOutcome outcome;
  ArtifactRevision& revision = outcome.revision;
  revision.name = action.output_artifacts.empty() ? action.name : action.output_artifacts.front();
  revision.created = now;
  auto& vars = outcome.output_variables;
  const std::string provider = action.provider;

  if (IsGitProvider(provider)) {
    const std::string commit = revision_value.value_or(hex.Next(40));
    const std::string message = revision_value ? "Revision " + commit + " requested at start"
                                               : "Commit " + commit.substr(0, 7);
    revision.revision_id = commit;
    std::string repository;
    std::string branch;
    if (provider == "CodeCommit") {
      repository = Config(action, "RepositoryName");
      branch = Config(action, "BranchName");
      revision.revision_summary = message;
      revision.revision_change_identifier = Iso8601(now);
      revision.revision_url = "https://" + region +
                              ".console.aws.amazon.com/codesuite/codecommit/repositories/" +
                              repository + "/commit/" + commit + "?region=" + region;
      vars = {{"RepositoryName", repository}, {"BranchName", branch}, {"CommitId", commit},
              {"CommitMessage", message},     {"AuthorDate", Iso8601(now)},
              {"CommitterDate", Iso8601(now)}};
    } else if (provider == "CodeStarSourceConnection") {
      repository = Config(action, "FullRepositoryId");
      branch = Config(action, "BranchName");
      revision.revision_summary =
          nlohmann::json{{"ProviderType", "GitHub"}, {"CommitMessage", message}}.dump();
      revision.revision_url = "https://github.com/" + repository + "/commit/" + commit;
      vars = {{"FullRepositoryName", repository},
              {"BranchName", branch},
              {"CommitId", commit},
              {"CommitMessage", message},
              {"AuthorDate", Iso8601(now)},
              {"ConnectionArn", Config(action, "ConnectionArn")},
              {"ProviderType", "GitHub"}};
    } else {  // GitHub (version 1, OAuth)
      repository = Config(action, "Owner") + "/" + Config(action, "Repo");
      branch = Config(action, "Branch");
      revision.revision_summary = message;
      revision.revision_url = "https://github.com/" + repository + "/commit/" + commit;
      vars = {{"CommitId", commit}, {"CommitMessage", message}, {"BranchName", branch},
              {"AuthorDate", Iso8601(now)}, {"CommitterDate", Iso8601(now)},
              {"CommitUrl", revision.revision_url}};
    }
  } else if (provider == "ECR") {
    const std::string digest = revision_value.value_or("sha256:" + hex.Next(64));
    const std::string repository = Config(action, "RepositoryName");
    const std::string tag = Config(action, "ImageTag", "latest");
    revision.revision_id = digest;
    revision.revision_summary = "Image tag: " + tag;
    vars = {{"ImageDigest", digest},
            {"ImageTag", tag},
            {"RepositoryName", repository},
            {"RegistryId", account_id},
            {"ImageURI", account_id + ".dkr.ecr." + region + ".amazonaws.com/" + repository +
                             "@" + digest}};
  } else if (provider == "S3") {
    const bool key_override = revision_type == "S3_OBJECT_KEY";
    const std::string key = key_override && revision_value ? *revision_value
                                                           : Config(action, "S3ObjectKey");
    const std::string version = !key_override && revision_value ? *revision_value
                                                                : hex.Next(32);
    revision.revision_id = version;
    revision.revision_summary = "Amazon S3 version id: " + version;
    revision.revision_url = "https://s3.console.aws.amazon.com/s3/object/" +
                            Config(action, "S3Bucket") + "?prefix=" + key;
    vars = {{"VersionId", version}, {"ETag", hex.Next(32)}, {"S3ObjectKey", key}};
  } else {
    revision.revision_id = revision_value.value_or(hex.Next(40));
  }
  outcome.action_summary = revision.revision_summary;
  return outcome;
}

}  // namespace sluice::domain
