// The data dir's files (persist/data_files.h): names, listing, durable
// replacement, and the LOCK that keeps a second sluice out. Each test works
// in a fresh directory under /tmp.
#include "persist/data_files.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "temp_dir.h"

namespace sluice::persist::data_files_test {
namespace {

using testing::ScratchDir;

std::string Slurp(const std::string& path) {
  std::string bytes;
  std::string error;
  EXPECT_TRUE(ReadWholeFile(path, bytes, &error)) << error;
  return bytes;
}

TEST(DataFilesTest, NamesAreZeroPaddedToTwentyDigits) {
  const std::pair<std::uint64_t, std::string> cases[] = {
      {0, "00000000000000000000"},
      {1, "00000000000000000001"},
      {42, "00000000000000000042"},
      {UINT64_MAX, "18446744073709551615"},
  };
  for (const auto& [seq, digits] : cases) {
    EXPECT_EQ(JournalName(seq), "journal-" + digits + ".log");
    EXPECT_EQ(SnapshotName(seq), "snapshot-" + digits + ".snap");
  }
}

TEST(DataFilesTest, ListingSortsSluicesFilesAndIgnoresTheRest) {
  const ScratchDir dir;
  struct Entry {
    std::string name;
    const char* kind;  // "journal", "snapshot", "stray" or "ignored"
  };
  const Entry entries[] = {
      {JournalName(3), "journal"},
      {JournalName(1), "journal"},
      {JournalName(20), "journal"},
      {JournalName(UINT64_MAX), "journal"},
      {SnapshotName(20), "snapshot"},
      {SnapshotName(2), "snapshot"},
      {SnapshotName(7) + ".tmp", "stray"},
      {"state.json.tmp", "stray"},
      {"LOCK", "ignored"},
      {"journal-12.log", "ignored"},                        // too few digits
      {"journal-0000000000000000001x.log", "ignored"},      // not digits
      {"journal-99999999999999999999.log", "ignored"},      // over a u64
      {"journal-00000000000000000004.log.bak", "ignored"},  // another suffix
      {"snapshot-00000000000000000005.log", "ignored"},     // mixed up
      {"notes.txt", "ignored"},
      {".tmp", "ignored"},
  };
  for (const Entry& entry : entries) dir.Write(entry.name, "x");
  std::filesystem::create_directory(dir / "subdir");

  std::string error;
  const auto listing = ListDataDir(dir.path(), &error);
  ASSERT_TRUE(listing) << error;
  EXPECT_EQ(listing->journals, (std::vector<std::uint64_t>{1, 3, 20, UINT64_MAX}));
  EXPECT_EQ(listing->snapshots, (std::vector<std::uint64_t>{2, 20}));
  EXPECT_EQ(listing->strays,
            (std::vector<std::string>{SnapshotName(7) + ".tmp", "state.json.tmp"}));
}

TEST(DataFilesTest, ListingAMissingDirectoryFailsNamingIt) {
  const ScratchDir dir;
  std::string error;
  EXPECT_FALSE(ListDataDir(dir / "missing", &error));
  EXPECT_NE(error.find(dir / "missing"), std::string::npos) << error;
}

TEST(DataFilesTest, ReadWholeFileReadsEveryByte) {
  const ScratchDir dir;
  std::string bytes(200000, '\0');
  for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<char>(i * 7);
  dir.Write("data", bytes);
  std::string out = "replaced";
  std::string error;
  ASSERT_TRUE(ReadWholeFile(dir / "data", out, &error)) << error;
  EXPECT_EQ(out, bytes);

  dir.Write("empty", "");
  ASSERT_TRUE(ReadWholeFile(dir / "empty", out, &error)) << error;
  EXPECT_EQ(out, "");

  EXPECT_FALSE(ReadWholeFile(dir.path(), out, &error));  // a directory
  EXPECT_NE(error.find(dir.path()), std::string::npos) << error;
  EXPECT_FALSE(ReadWholeFile(dir / "missing", out, &error));
  EXPECT_NE(error.find(dir / "missing"), std::string::npos) << error;
  EXPECT_NE(error.find("No such file"), std::string::npos) << error;
}

TEST(DataFilesTest, WriteFileDurablyCreatesAndReplacesWholeFiles) {
  const ScratchDir dir;
  std::string error;
  ASSERT_TRUE(WriteFileDurably(dir.path(), "snap", "first content", &error)) << error;
  EXPECT_EQ(Slurp(dir / "snap"), "first content");
  // A .tmp left by a crash (longer, and readable by others): replaced, not reused.
  dir.Write("snap.tmp", std::string(1000, 'j'));
  ASSERT_TRUE(WriteFileDurably(dir.path(), "snap", "second", &error)) << error;
  EXPECT_EQ(Slurp(dir / "snap"), "second");
  EXPECT_FALSE(std::filesystem::exists(dir / "snap.tmp"));

  ASSERT_TRUE(WriteFileDurably(dir.path() + "/", "empty", "", &error)) << error;
  EXPECT_EQ(Slurp(dir / "empty"), "");

  struct stat info {};
  ASSERT_EQ(::stat((dir / "snap").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);

  const auto listing = ListDataDir(dir.path(), &error);
  ASSERT_TRUE(listing) << error;
  EXPECT_TRUE(listing->strays.empty());
}

TEST(DataFilesTest, WriteFileDurablyIntoAMissingDirectoryFails) {
  const ScratchDir dir;
  std::string error;
  EXPECT_FALSE(WriteFileDurably(dir / "missing", "snap", "content", &error));
  EXPECT_NE(error.find(dir / "missing/snap.tmp"), std::string::npos) << error;
}

TEST(DataFilesTest, SyncDirectory) {
  const ScratchDir dir;
  std::string error;
  EXPECT_TRUE(SyncDirectory(dir.path(), &error)) << error;
  EXPECT_FALSE(SyncDirectory(dir / "missing", &error));
  EXPECT_NE(error.find(dir / "missing"), std::string::npos) << error;
}

TEST(DataFilesTest, WriteAllWritesEverything) {
  const ScratchDir dir;
  const std::string path = dir / "out";
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  ASSERT_GE(fd, 0);
  const std::string bytes(1 << 20, 'w');
  EXPECT_EQ(WriteAll(fd, bytes), 0);
  EXPECT_EQ(WriteAll(fd, ""), 0);
  ::close(fd);
  EXPECT_EQ(Slurp(path), bytes);
  EXPECT_EQ(WriteAll(-1, "x"), EBADF);
}

// --- DirectoryLock -----------------------------------------------------------

TEST(DirectoryLockTest, CreatesTheDirectoryAndWritesItsPid) {
  const ScratchDir scratch;
  const std::string dir = scratch / "a/b/data";
  std::string error;
  const auto lock = DirectoryLock::Acquire(dir, &error);
  ASSERT_TRUE(lock) << error;
  EXPECT_EQ(lock->dir(), dir);
  EXPECT_EQ(Slurp(dir + "/LOCK"), std::to_string(::getpid()) + "\n");
  for (const std::string& made : {scratch / "a", scratch / "a/b", dir}) {
    struct stat info {};
    ASSERT_EQ(::stat(made.c_str(), &info), 0) << made;
    EXPECT_TRUE(S_ISDIR(info.st_mode)) << made;
    EXPECT_EQ(info.st_mode & 0077, 0u) << made << " is open to others";
  }
}

TEST(DirectoryLockTest, ASecondHolderIsToldWhoHasIt) {
  const ScratchDir scratch;
  const std::string dir = scratch / "data";
  std::string error;
  std::optional<DirectoryLock> first = DirectoryLock::Acquire(dir, &error);
  ASSERT_TRUE(first) << error;

  // A separate open of LOCK: flock conflicts even within one process.
  EXPECT_FALSE(DirectoryLock::Acquire(dir, &error));
  EXPECT_EQ(error, "--data-dir " + dir + " is in use by another sluice (pid " +
                       std::to_string(::getpid()) + ")");
  // The loser leaves the holder's pid in place.
  EXPECT_EQ(Slurp(dir + "/LOCK"), std::to_string(::getpid()) + "\n");

  // Moving the lock keeps it held.
  DirectoryLock moved = std::move(*first);
  first.reset();
  EXPECT_FALSE(DirectoryLock::Acquire(dir, &error));

  // Released, it can be taken again; a longer stale pid is overwritten whole.
  { DirectoryLock released = std::move(moved); }
  scratch.Write("data/LOCK", "123456789012\n");
  const auto again = DirectoryLock::Acquire(dir, &error);
  ASSERT_TRUE(again) << error;
  EXPECT_EQ(Slurp(dir + "/LOCK"), std::to_string(::getpid()) + "\n");
}

TEST(DirectoryLockTest, AFileInTheWayIsReported) {
  const ScratchDir scratch;
  scratch.Write("file", "not a directory");
  std::string error;
  EXPECT_FALSE(DirectoryLock::Acquire(scratch / "file", &error));
  EXPECT_NE(error.find(scratch / "file"), std::string::npos) << error;
  EXPECT_FALSE(DirectoryLock::Acquire(scratch / "file/data", &error));
  EXPECT_NE(error.find(scratch / "file"), std::string::npos) << error;
}

}  // namespace
}  // namespace sluice::persist::data_files_test
