// ChangeFeed: the engine's one ChangeSink, handing each change to those who
// consume the feed: the event hub (status changes become events) and, with
// --data-dir, the journal (which pipeline's executions to write out again).
// The engine knows neither.
#pragma once

#include "events/event_hub.h"
#include "persist/state_journal.h"
#include "sluice/domain/engine/change_sink.h"

namespace sluice::app {

class ChangeFeed final : public domain::ChangeSink {
 public:
  explicit ChangeFeed(events::EventHub& events) : events_(events) {}

  // Before the engine runs.
  void AttachJournal(persist::StateJournal& journal) { journal_ = &journal; }

  void ExecutionChanged(const domain::ExecutionChange& change) override {
    events_.ExecutionChanged(change);
  }
  void StageChanged(const domain::StageChange& change) override { events_.StageChanged(change); }
  void ActionChanged(const domain::ActionChange& change) override { events_.ActionChanged(change); }
  void RuntimeChanged(const domain::RuntimeChange& change) override {
    if (journal_ != nullptr) {
      journal_->ExecutionsChanged(change.scope.account_id, change.scope.region, change.pipeline);
    }
  }

 private:
  events::EventHub& events_;
  persist::StateJournal* journal_ = nullptr;
};

}  // namespace sluice::app
