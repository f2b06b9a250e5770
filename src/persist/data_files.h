// The files of a --data-dir (issue 14): their names, listing them, writing
// one whole file so that a crash leaves either the old or the new one, and
// the LOCK that keeps a second sluice out.
// POSIX only (open, fsync, rename, flock).
//
// Every function reports failure as false or nullopt with `error` (which may
// be null) set to a sentence naming the path and the system's reason; no
// exception leaves them. The functions are safe from any thread as far as the
// file system is; a DirectoryLock is owned by one thread at a time.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::persist {

// Writes all of `bytes` to `fd` at its file offset (or its end, under
// O_APPEND), retrying interrupted and partial writes. 0, or the errno of the
// write that failed, in which case an unknown prefix of `bytes` was written.
int WriteAll(int fd, std::string_view bytes);

// Reads the whole file at `path` into `out` (replacing what it held).
bool ReadWholeFile(const std::string& path, std::string& out, std::string* error);

// Replaces `dir/name` with `bytes` so that after a crash the name holds
// either its old content or all of the new: writes `dir/name.tmp` (mode
// 0600), fsyncs it, renames it over `dir/name` and fsyncs `dir`. A crash can
// leave the .tmp behind; ListDataDir reports it as a stray.
bool WriteFileDurably(const std::string& dir, const std::string& name, std::string_view bytes,
                      std::string* error);

// fsyncs a directory, making the creation, renaming and removal of its
// entries durable.
bool SyncDirectory(const std::string& dir, std::string* error);

// "journal-00000000000000000042.log": 20 digits hold any u64, and zero
// padding makes the names sort as the numbers do.
std::string JournalName(std::uint64_t seq);
// "snapshot-00000000000000000042.snap".
std::string SnapshotName(std::uint64_t seq);

struct DataDirListing {
  std::vector<std::uint64_t> journals;   // sequence numbers, ascending
  std::vector<std::uint64_t> snapshots;  // sequence numbers, ascending
  // Leftover "*.tmp" files (a WriteFileDurably cut short), by name, sorted:
  // the data dir is sluice's alone, so the caller deletes them.
  std::vector<std::string> strays;
};

// What `dir` holds. LOCK and every name sluice does not write are ignored.
std::optional<DataDirListing> ListDataDir(const std::string& dir, std::string* error);

// Holds `dir/LOCK` flock'd for as long as it lives, so that two sluices never
// share a data dir; the file holds the holder's pid for the message the
// second one prints. flock belongs to the open file description, so a second
// Acquire of the same dir fails even within one process, and the kernel
// releases the lock when the process dies, however it dies. Move-only.
class DirectoryLock {
 public:
  // Creates `dir` and any missing parents (mode 0700), then takes the lock
  // without waiting. Taken by another: `error` is
  // "--data-dir DIR is in use by another sluice (pid N)".
  static std::optional<DirectoryLock> Acquire(const std::string& dir, std::string* error);

  DirectoryLock(DirectoryLock&& other) noexcept;
  DirectoryLock& operator=(DirectoryLock&& other) noexcept;
  DirectoryLock(const DirectoryLock&) = delete;
  DirectoryLock& operator=(const DirectoryLock&) = delete;
  // Releases the lock. LOCK stays: removing it would race with a sluice
  // that has just opened it.
  ~DirectoryLock();

  const std::string& dir() const { return dir_; }

 private:
  DirectoryLock(int fd, std::string dir);
  void Release();

  int fd_ = -1;
  std::string dir_;
};

}  // namespace sluice::persist
