// --data-dir at start: takes the directory's lock, reads back what it holds
// (journal_recovery.h) into the services, and starts the journal on it, so
// that every change from then on is kept.
#pragma once

#include <memory>
#include <string>

#include "options.h"
#include "persist/state_journal.h"
#include "services.h"

namespace sluice::app {

// Null with `error` set (the whole message) when the directory is locked,
// damaged, or of another format. `held_state` says whether it held any
// state (then --init-dir is not applied).
std::unique_ptr<persist::StateJournal> OpenDataDir(const Options& options, Services& services,
                                                   bool& held_state, std::string& error);

// Writes out what is marked and waits until it is durable.
bool FlushJournal(persist::StateJournal& journal);

}  // namespace sluice::app
