// The journal file format of a --data-dir (issue 14): how sluice's state
// changes are framed on disk, how a journal is read back after a crash, and
// the one writer that appends to it.
//
// Like leveldb's log (db/log_format.h) with one record per frame and no
// blocks: a 16-byte header, then frames of
//   u32 LE payload length | u32 LE crc32c(type byte + payload) | u8 type | payload.
// A reader must tell a crash from damage. A crash can only tear what was
// being written last (an incomplete frame, a last frame whose bytes did not
// all reach the disk, a zero-filled tail after power loss); that is dropped.
// Damage anywhere else is reported, never skipped: a later record may
// depend on the lost one.
//
// The encode and scan functions are pure and safe from any thread. A
// JournalWriter is not thread-safe: one owner appends and syncs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::persist {

inline constexpr std::string_view kJournalMagic = "SLUICEJL";
inline constexpr std::uint32_t kJournalVersion = 1;
// magic(8) + u32 LE version + u32 LE crc32c of the first 12 bytes.
inline constexpr std::size_t kJournalHeaderBytes = 16;
// u32 LE length + u32 LE crc32c + u8 type, before each payload.
inline constexpr std::size_t kRecordHeaderBytes = 9;
// No record is larger: a complete frame claiming more is damage.
inline constexpr std::uint32_t kMaxRecordBytes = 1u << 30;

// The 16 bytes every journal file starts with.
std::string EncodeJournalHeader();

// Appends one frame to `out`. `type` must not be 0 (a zero-filled region
// would otherwise read as records) and `payload` must hold at most
// kMaxRecordBytes; the reader takes either as damage.
void AppendRecord(std::string& out, std::uint8_t type, std::string_view payload);

// One record as read back. `payload` views the bytes given to ScanJournal,
// so it lives as long as they do; `offset` is where its frame starts.
struct JournalRecord {
  std::uint8_t type = 0;
  std::string_view payload;
  std::uint64_t offset = 0;
};

struct JournalScan {
  enum class End {
    kClean,           // every byte read as records
    kTornTail,        // the end was being written at a crash; dropped
    kCorrupt,         // damage before the end: the caller refuses, or truncates on request
    kNotJournal,      // bad magic or header checksum
    kUnknownVersion,  // an intact header of another format version
  };
  End end = End::kClean;
  // The records before the end or the problem, in file order.
  std::vector<JournalRecord> records;
  // Where the intact data ends: the end of the last good record, the header's
  // end if there is none, 0 if the header itself is not intact. Truncating
  // the file here keeps exactly `records`.
  std::uint64_t valid_bytes = 0;
  // Where the torn tail or the damage starts (valid_bytes for a record, 0 for
  // the header); the file size when clean.
  std::uint64_t problem_offset = 0;
  // What is wrong, for a person: "checksum mismatch in a record of 120 bytes".
  // Empty when clean.
  std::string problem;
  // The header's version field, when the magic was there to read it.
  std::uint32_t version_found = 0;
};

// "clean", "torn tail", "corrupt", "not a journal", "unknown version".
std::string_view ToString(JournalScan::End end);

// Reads a whole journal file's bytes. Never fails: what it finds is in the
// answer. The header: a file shorter than a header, or one whose header is
// cut short with only zeros after the cut (a crash right after creating the
// file), is a torn tail with no records; any other damaged header is
// kNotJournal; an intact header of another version, kUnknownVersion.
// Records: a frame running past the end of the file is a torn tail. A
// complete frame with a bad checksum (or type 0, or a length over
// kMaxRecordBytes) is a torn tail if it is the file's last frame or nothing
// but zeros follows its start, and kCorrupt at its offset otherwise.
JournalScan ScanJournal(std::string_view bytes);

// Appends frames to one journal file it creates. Records become durable only
// when Sync() succeeds. Not thread-safe: one owner appends and syncs (the
// persister batches frames, appends them, then syncs for a group commit).
//
// A failed write is undone (the file is truncated back to its last whole
// frame), so a later Append cannot leave a damaged frame in the middle of the
// file. A failed fdatasync, or a failed undo, breaks the writer for good:
// after fsync fails, Linux may have dropped the dirty pages and a retried
// fsync would succeed without writing them (PostgreSQL's "fsyncgate"), so
// every later call fails and the caller must not acknowledge anything more.
class JournalWriter {
 public:
  // Creates `path` (it must not exist: O_EXCL), mode 0600, writes the header,
  // and makes the file and its directory entry durable before returning.
  // On failure the half-made file is removed and `error` names the path.
  static std::optional<JournalWriter> Create(const std::string& path, std::string* error);

  JournalWriter(JournalWriter&& other) noexcept;
  JournalWriter& operator=(JournalWriter&& other) noexcept;
  JournalWriter(const JournalWriter&) = delete;
  JournalWriter& operator=(const JournalWriter&) = delete;
  ~JournalWriter();

  // Writes all of `framed_bytes` (whole frames from AppendRecord) at the end
  // of the file, retrying interrupted and partial writes.
  bool Append(std::string_view framed_bytes, std::string* error);
  // fdatasync: everything appended so far is on disk when it returns true.
  bool Sync(std::string* error);

  // The file's size: header and every appended byte.
  std::uint64_t size() const { return size_; }
  const std::string& path() const { return path_; }

 private:
  JournalWriter(int fd, std::string path, std::uint64_t size);
  void Close();
  // Whether the writer can still write; if not, says why in `error`.
  bool Usable(std::string* error) const;

  int fd_ = -1;
  std::string path_;
  std::uint64_t size_ = 0;
  // Why the writer is broken, or empty.
  std::string broken_;
};

}  // namespace sluice::persist
