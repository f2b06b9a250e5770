#include "session_registry.h"

#include <vector>

#include "http_session.h"

namespace sluice::net {

SessionRegistry::Id SessionRegistry::Add(const std::weak_ptr<HttpSession>& session) {
  MutexLock lock(mutex_);
  const Id id = next_id_++;
  sessions_.emplace(id, session);
  return id;
}

void SessionRegistry::Remove(Id id) {
  MutexLock lock(mutex_);
  sessions_.erase(id);
}

std::size_t SessionRegistry::size() const {
  MutexLock lock(mutex_);
  return sessions_.size();
}

void SessionRegistry::ForEach(const std::function<void(HttpSession&)>& fn) const {
  std::vector<std::shared_ptr<HttpSession>> alive;
  {
    MutexLock lock(mutex_);
    alive.reserve(sessions_.size());
    for (const auto& [id, weak] : sessions_) {
      if (auto session = weak.lock()) alive.push_back(std::move(session));
    }
  }
  for (const auto& session : alive) fn(*session);
}

}  // namespace sluice::net
