// The data dir's files (see data_files.h). Each durable step is the classic
// POSIX sequence, because each is what a crash would otherwise undo: data is
// only on disk after fsync, and a new or renamed name only after an fsync of
// its directory.
#include "persist/data_files.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <utility>

namespace sluice::persist {

namespace {

void SetFileError(std::string* error, std::string text) {
  if (error != nullptr) *error = std::move(text);
}

std::string FileSystemError(const std::string& path, std::string_view what, int err) {
  return path + ": " + std::string(what) + ": " + std::strerror(err);
}

std::string JoinPath(const std::string& dir, const std::string& name) {
  if (dir.empty()) return name;
  return dir.back() == '/' ? dir + name : dir + "/" + name;
}

// Closes `fd` on every path out of a function.
class FdCloser {
 public:
  explicit FdCloser(int fd) : fd_(fd) {}
  FdCloser(const FdCloser&) = delete;
  FdCloser& operator=(const FdCloser&) = delete;
  ~FdCloser() {
    if (fd_ >= 0) ::close(fd_);
  }
  // Closes now, answering close's errno (0 when fine): on some file systems
  // (NFS) a write error is only reported here.
  int CloseNow() {
    const int result = ::close(std::exchange(fd_, -1));
    return result == 0 ? 0 : errno;
  }

 private:
  int fd_;
};

// The sequence number in "<prefix><20 digits><suffix>", if `name` is exactly
// that and the digits fit in a u64 (sluice writes no other).
std::optional<std::uint64_t> ParseSequenceName(std::string_view name, std::string_view prefix,
                                               std::string_view suffix) {
  constexpr std::size_t kDigits = 20;
  if (name.size() != prefix.size() + kDigits + suffix.size()) return std::nullopt;
  if (name.substr(0, prefix.size()) != prefix) return std::nullopt;
  if (name.substr(prefix.size() + kDigits) != suffix) return std::nullopt;
  std::uint64_t value = 0;
  for (const char c : name.substr(prefix.size(), kDigits)) {
    if (c < '0' || c > '9') return std::nullopt;
    const auto digit = static_cast<std::uint64_t>(c - '0');
    if (value > (UINT64_MAX - digit) / 10) return std::nullopt;
    value = value * 10 + digit;
  }
  return value;
}

std::string SequenceName(std::string_view prefix, std::uint64_t seq, std::string_view suffix) {
  char digits[21];
  std::snprintf(digits, sizeof digits, "%020llu", static_cast<unsigned long long>(seq));
  std::string name(prefix);
  name += digits;
  name += suffix;
  return name;
}

// mkdir -p with mode 0700 for each directory it creates (the data dir holds
// every pipeline's state: nobody else's to read).
bool MakeDirectories(const std::string& dir, std::string* error) {
  std::size_t at = 0;
  while (at != std::string::npos) {
    at = dir.find('/', at + 1);
    const std::string partial = dir.substr(0, at);
    if (partial.empty() || partial.back() == '/') continue;  // "/" or "a//b"
    if (::mkdir(partial.c_str(), 0700) == 0) continue;
    const int err = errno;
    struct stat info {};
    if (err == EEXIST && ::stat(partial.c_str(), &info) == 0) {
      if (S_ISDIR(info.st_mode)) continue;
      SetFileError(error, partial + ": not a directory");
      return false;
    }
    SetFileError(error, FileSystemError(partial, "cannot create the directory", err));
    return false;
  }
  return true;
}

// The pid a LOCK file holds, or "unknown" (the holder may not have written it
// yet: it takes the lock first).
std::string ReadLockHolder(int fd) {
  char text[32] = {};
  ssize_t got = -1;
  do {
    got = ::pread(fd, text, sizeof text - 1, 0);
  } while (got < 0 && errno == EINTR);
  std::string pid;
  for (ssize_t i = 0; i < got && text[i] >= '0' && text[i] <= '9'; ++i) pid += text[i];
  return pid.empty() ? "unknown" : pid;
}

}  // namespace

int WriteAll(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t wrote = ::write(fd, bytes.data(), bytes.size());
    if (wrote < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    // write() answers 0 only for a 0-byte request; guard against a loop anyway.
    if (wrote == 0) return EIO;
    bytes.remove_prefix(static_cast<std::size_t>(wrote));
  }
  return 0;
}

bool ReadWholeFile(const std::string& path, std::string& out, std::string* error) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    SetFileError(error, FileSystemError(path, "cannot open", errno));
    return false;
  }
  FdCloser closer(fd);
  // Read straight into `out`, sized from fstat plus one byte so that the end
  // of file shows without growing it; read to end of file all the same, as
  // the size may be stale.
  struct stat info {};
  const bool sized = ::fstat(fd, &info) == 0 && info.st_size > 0;
  out.assign(sized ? static_cast<std::size_t>(info.st_size) + 1 : std::size_t{1} << 16, '\0');
  std::size_t filled = 0;
  while (true) {
    if (filled == out.size()) out.resize(2 * out.size());
    const ssize_t got = ::read(fd, out.data() + filled, out.size() - filled);
    if (got < 0) {
      if (errno == EINTR) continue;
      SetFileError(error, FileSystemError(path, "cannot read", errno));
      out.clear();
      return false;
    }
    if (got == 0) break;
    filled += static_cast<std::size_t>(got);
  }
  out.resize(filled);
  return true;
}

bool WriteFileDurably(const std::string& dir, const std::string& name, std::string_view bytes,
                      std::string* error) {
  const std::string path = JoinPath(dir, name);
  const std::string temp = path + ".tmp";
  // A .tmp left by an earlier crash goes first: reopening it would keep its
  // old mode, and O_EXCL then makes sure the file written is our own.
  if (::unlink(temp.c_str()) != 0 && errno != ENOENT) {
    SetFileError(error, FileSystemError(temp, "cannot remove a leftover", errno));
    return false;
  }
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    SetFileError(error, FileSystemError(temp, "cannot create", errno));
    return false;
  }
  FdCloser closer(fd);
  std::string failure;
  if (const int err = WriteAll(fd, bytes); err != 0) {
    failure = FileSystemError(temp, "cannot write", err);
  } else if (::fsync(fd) != 0) {
    failure = FileSystemError(temp, "cannot sync", errno);
  } else if (const int close_err = closer.CloseNow(); close_err != 0) {
    failure = FileSystemError(temp, "cannot close", close_err);
  } else if (::rename(temp.c_str(), path.c_str()) != 0) {
    failure = FileSystemError(path, "cannot rename " + name + ".tmp over it", errno);
  } else {
    // Until the directory is synced, a crash may bring the old file back.
    return SyncDirectory(dir.empty() ? "." : dir, error);
  }
  ::unlink(temp.c_str());  // best effort; a leftover is a stray for ListDataDir
  SetFileError(error, std::move(failure));
  return false;
}

bool SyncDirectory(const std::string& dir, std::string* error) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    SetFileError(error, FileSystemError(dir, "cannot open the directory", errno));
    return false;
  }
  FdCloser closer(fd);
  // EINVAL: this file system cannot sync a directory (some FUSE and network
  // file systems); there is nothing more to do for its entries.
  if (::fsync(fd) != 0 && errno != EINVAL) {
    SetFileError(error, FileSystemError(dir, "cannot sync the directory", errno));
    return false;
  }
  return true;
}

std::string JournalName(std::uint64_t seq) { return SequenceName("journal-", seq, ".log"); }

std::string SnapshotName(std::uint64_t seq) { return SequenceName("snapshot-", seq, ".snap"); }

std::optional<DataDirListing> ListDataDir(const std::string& dir, std::string* error) {
  DIR* stream = ::opendir(dir.c_str());
  if (stream == nullptr) {
    SetFileError(error, FileSystemError(dir, "cannot list the directory", errno));
    return std::nullopt;
  }
  DataDirListing listing;
  int err = 0;
  while (true) {
    errno = 0;  // readdir answers nullptr both at the end and on error
    const dirent* entry = ::readdir(stream);
    if (entry == nullptr) {
      err = errno;
      break;
    }
    const std::string_view name = entry->d_name;
    constexpr std::string_view kTempSuffix = ".tmp";
    if (const auto seq = ParseSequenceName(name, "journal-", ".log")) {
      listing.journals.push_back(*seq);
    } else if (const auto snap = ParseSequenceName(name, "snapshot-", ".snap")) {
      listing.snapshots.push_back(*snap);
    } else if (name.size() > kTempSuffix.size() &&
               name.substr(name.size() - kTempSuffix.size()) == kTempSuffix) {
      listing.strays.emplace_back(name);
    }
  }
  ::closedir(stream);
  if (err != 0) {
    SetFileError(error, FileSystemError(dir, "cannot list the directory", err));
    return std::nullopt;
  }
  std::sort(listing.journals.begin(), listing.journals.end());
  std::sort(listing.snapshots.begin(), listing.snapshots.end());
  std::sort(listing.strays.begin(), listing.strays.end());
  return listing;
}

// --- DirectoryLock -------------------------------------------------------------

std::optional<DirectoryLock> DirectoryLock::Acquire(const std::string& dir, std::string* error) {
  if (!MakeDirectories(dir, error)) return std::nullopt;
  const std::string path = JoinPath(dir, "LOCK");
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    SetFileError(error, FileSystemError(path, "cannot open", errno));
    return std::nullopt;
  }
  DirectoryLock lock(fd, dir);  // closes the descriptor on every way out
  int locked = -1;
  do {
    locked = ::flock(fd, LOCK_EX | LOCK_NB);
  } while (locked != 0 && errno == EINTR);
  if (locked != 0) {
    if (errno == EWOULDBLOCK) {
      SetFileError(error, "--data-dir " + dir + " is in use by another sluice (pid " +
                              ReadLockHolder(fd) + ")");
    } else {
      SetFileError(error, FileSystemError(path, "cannot lock", errno));
    }
    return std::nullopt;
  }
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) != 0) {
    SetFileError(error, FileSystemError(path, "cannot write the pid", errno));
    return std::nullopt;
  }
  // The pid is the file's whole text: the holder before us may have had a
  // longer one, hence the truncation.
  std::string_view left = pid;
  off_t at = 0;
  while (!left.empty()) {
    const ssize_t wrote = ::pwrite(fd, left.data(), left.size(), at);
    if (wrote < 0 && errno == EINTR) continue;
    if (wrote <= 0) {
      SetFileError(error, FileSystemError(path, "cannot write the pid", wrote < 0 ? errno : EIO));
      return std::nullopt;
    }
    left.remove_prefix(static_cast<std::size_t>(wrote));
    at += wrote;
  }
  return lock;
}

DirectoryLock::DirectoryLock(int fd, std::string dir) : fd_(fd), dir_(std::move(dir)) {}

DirectoryLock::DirectoryLock(DirectoryLock&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), dir_(std::move(other.dir_)) {}

DirectoryLock& DirectoryLock::operator=(DirectoryLock&& other) noexcept {
  if (this != &other) {
    Release();
    fd_ = std::exchange(other.fd_, -1);
    dir_ = std::move(other.dir_);
  }
  return *this;
}

DirectoryLock::~DirectoryLock() { Release(); }

void DirectoryLock::Release() {
  // Closing the last descriptor of the open file description drops the flock.
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

}  // namespace sluice::persist
