// SessionRegistry: the set of open connections, so that the listener can cap
// them and a graceful shutdown can reach each one. Thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <unordered_map>

#include "sluice/common/mutex.h"

namespace sluice::net {

class HttpSession;

class SessionRegistry {
 public:
  using Id = std::uint64_t;

  Id Add(const std::weak_ptr<HttpSession>& session);
  void Remove(Id id);
  std::size_t size() const;

  // Calls fn on every session still alive, outside the lock.
  void ForEach(const std::function<void(HttpSession&)>& fn) const;

 private:
  mutable Mutex mutex_;
  Id next_id_ GUARDED_BY(mutex_) = 1;
  std::unordered_map<Id, std::weak_ptr<HttpSession>> sessions_ GUARDED_BY(mutex_);
};

}  // namespace sluice::net
