#include "sluice/protocol/credential_store.h"

#include <algorithm>
#include <utility>

namespace sluice::protocol {

CredentialStore::CredentialStore(std::vector<Credential> credentials)
    : credentials_(std::move(credentials)) {
  // Stable, so that of two entries for one key the first one given stays.
  std::stable_sort(credentials_.begin(), credentials_.end(),
                   [](const Credential& a, const Credential& b) {
                     return a.access_key < b.access_key;
                   });
  credentials_.erase(std::unique(credentials_.begin(), credentials_.end(),
                                 [](const Credential& a, const Credential& b) {
                                   return a.access_key == b.access_key;
                                 }),
                     credentials_.end());
}

const Credential* CredentialStore::Find(std::string_view access_key) const {
  const auto it = std::lower_bound(
      credentials_.begin(), credentials_.end(), access_key,
      [](const Credential& c, std::string_view key) { return c.access_key < key; });
  if (it == credentials_.end() || it->access_key != access_key) return nullptr;
  return &*it;
}

}  // namespace sluice::protocol
