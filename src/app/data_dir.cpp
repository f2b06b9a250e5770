// Opening --data-dir; see the header.
#include "data_dir.h"

#include <malloc.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <future>

#include "control/control_json.h"
#include "persist/journal_recovery.h"
#include "sluice/common/logging.h"

namespace sluice::app {

std::unique_ptr<persist::StateJournal> OpenDataDir(const Options& options, Services& services,
                                                   bool& held_state, std::string& error) {
  const auto started = std::chrono::steady_clock::now();
  auto journal = persist::StateJournal::Lock(options.journal, error);
  if (!journal) return nullptr;
  // The base when there is no snapshot: this sluice's own state, empty.
  auto recovery = persist::Recover(options.journal, services.control().DumpState(), error);
  if (!recovery) return nullptr;
  const auto log = Logger(kJournalLogger);
  for (const std::string& warning : recovery->warnings) log->warn("{}", warning);
  held_state = recovery->document.has_value();
  if (held_state) {
    try {
      services.control().LoadState(*recovery->document);
    } catch (const control::ControlError& refused) {
      error = "--data-dir " + options.journal.dir + ": what it holds does not load: " + refused.message;
      return nullptr;
    }
    // The document's many small allocations go now; their pages go back to
    // the system, or the process would keep recovery's peak for good.
    recovery->document.reset();
    malloc_trim(0);
    if (recovery->repairs.total() > 0) {
      log->warn("dropped what only unacknowledged writes held together: {} runtimes of deleted "
                "pipelines, {} executions of versions not kept",
                recovery->repairs.runtimes, recovery->repairs.runs);
    }
  }
  services.AttachJournal(*journal);
  if (!journal->Start(services, recovery->next_sequence, error)) return nullptr;
  const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);
  if (held_state) {
    log->info("recovered {} pipelines and {} executions from {} in {} ms (snapshot {}, {} journal records, torn tail dropped: {})",
              recovery->pipelines, recovery->executions, options.journal.dir, elapsed.count(),
              recovery->snapshot ? persist::SnapshotName(*recovery->snapshot) : std::string("none"),
              recovery->records, recovery->torn_tail ? "yes" : "no");
  } else {
    log->info("keeping state in {} (empty; --sync {})", options.journal.dir,
              persist::SyncModeName(options.journal.sync));
  }
  return journal;
}

bool FlushJournal(persist::StateJournal& journal) {
  std::promise<bool> durable;
  journal.WhenDurable(journal.Capture(), [&durable](bool ok) { durable.set_value(ok); });
  return durable.get_future().get();
}

}  // namespace sluice::app
