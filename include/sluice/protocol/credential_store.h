// The access keys sluice accepts under --auth strict, each with its secret,
// optional session token and the account its requests act in.
//
// Immutable after construction, so every request thread reads it without a
// lock. Secrets live here and nowhere else: nothing in this file logs them.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::protocol {

struct Credential {
  std::string access_key;
  std::string secret_key;
  // When set, every request signed with this key must carry it in
  // X-Amz-Security-Token.
  std::optional<std::string> session_token;
  std::string account_id;  // 12 digits
  std::string profile;     // the credentials file's section, for messages
};

class CredentialStore {
 public:
  // A key given twice keeps its first entry: the credentials file reader
  // refuses a key repeated with a different secret, so a repeat is a copy.
  explicit CredentialStore(std::vector<Credential> credentials);

  // The credential of `access_key` (compared exactly), or nullptr.
  const Credential* Find(std::string_view access_key) const;
  std::size_t size() const { return credentials_.size(); }
  // Sorted by access key.
  const std::vector<Credential>& credentials() const { return credentials_; }

 private:
  std::vector<Credential> credentials_;  // sorted by access_key, keys unique
};

}  // namespace sluice::protocol
