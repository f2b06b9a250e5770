// The journal format and its writer (see record_log.h). The scan decides,
// frame by frame, whether a bad frame is the trace of a crash (dropped) or
// damage (reported), by where it lies: an append-only file is only ever
// being written at its end.
#include "persist/record_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "persist/coding.h"
#include "persist/crc32c.h"
#include "persist/data_files.h"

namespace sluice::persist {

namespace {

void SetJournalError(std::string* error, std::string text) {
  if (error != nullptr) *error = std::move(text);
}

std::string JournalSystemError(const std::string& path, std::string_view what, int err) {
  return path + ": " + std::string(what) + ": " + std::strerror(err);
}

bool AllZero(std::string_view bytes) {
  for (const char c : bytes) {
    if (c != '\0') return false;
  }
  return true;
}

// The checksum a frame stores: over its type byte, then its payload.
std::uint32_t FrameCrc(std::uint8_t type, std::string_view payload) {
  const char type_byte = static_cast<char>(type);
  return Crc32c(payload, Crc32c(std::string_view(&type_byte, 1)));
}

// True when the header was being written at a crash: the file holds a
// prefix of our header, then nothing but zeros (or nothing at all).
bool TornHeader(std::string_view bytes, std::string_view header) {
  std::size_t same = 0;
  while (same < bytes.size() && same < header.size() && bytes[same] == header[same]) ++same;
  return AllZero(bytes.substr(same));
}

// Fills in how a scan ends (records found so far stay).
void EndScan(JournalScan& scan, JournalScan::End end, std::uint64_t offset, std::string problem) {
  scan.end = end;
  scan.problem_offset = offset;
  scan.problem = std::move(problem);
}

// Reads the header; false (with the scan ended) when no records follow.
bool ScanHeader(std::string_view bytes, JournalScan& scan) {
  const bool has_magic = bytes.size() >= kJournalMagic.size() &&
                         bytes.substr(0, kJournalMagic.size()) == kJournalMagic;
  if (has_magic && bytes.size() >= 12) scan.version_found = DecodeFixed32(bytes, 8);
  if (has_magic && bytes.size() >= kJournalHeaderBytes &&
      DecodeFixed32(bytes, 12) == Crc32c(bytes.substr(0, 12))) {
    if (scan.version_found == kJournalVersion) return true;
    EndScan(scan, JournalScan::End::kUnknownVersion, 0,
            "format version " + std::to_string(scan.version_found) +
                "; this sluice reads version " + std::to_string(kJournalVersion));
    return false;
  }
  // Created, then cut short by a crash before the header was synced.
  if (TornHeader(bytes, EncodeJournalHeader())) {
    EndScan(scan, JournalScan::End::kTornTail, 0,
            bytes.empty() ? "empty file" : "incomplete header (the file was being created)");
    return false;
  }
  if (!has_magic) {
    EndScan(scan, JournalScan::End::kNotJournal, 0, "not a sluice journal");
  } else if (bytes.size() < kJournalHeaderBytes) {
    EndScan(scan, JournalScan::End::kNotJournal, 0,
            "not a sluice journal (a damaged header of " + std::to_string(bytes.size()) +
                " bytes)");
  } else {
    EndScan(scan, JournalScan::End::kNotJournal, 0,
            "not a sluice journal (header checksum mismatch)");
  }
  return false;
}

}  // namespace

std::string_view ToString(JournalScan::End end) {
  switch (end) {
    case JournalScan::End::kClean:
      return "clean";
    case JournalScan::End::kTornTail:
      return "torn tail";
    case JournalScan::End::kCorrupt:
      return "corrupt";
    case JournalScan::End::kNotJournal:
      return "not a journal";
    case JournalScan::End::kUnknownVersion:
      return "unknown version";
  }
  return "unknown";
}

std::string EncodeJournalHeader() {
  std::string header(kJournalMagic);
  PutFixed32(header, kJournalVersion);
  PutFixed32(header, Crc32c(header));
  return header;
}

void AppendRecord(std::string& out, std::uint8_t type, std::string_view payload) {
  PutFixed32(out, static_cast<std::uint32_t>(payload.size()));
  PutFixed32(out, FrameCrc(type, payload));
  out.push_back(static_cast<char>(type));
  out.append(payload);
}

JournalScan ScanJournal(std::string_view bytes) {
  JournalScan scan;
  if (!ScanHeader(bytes, scan)) return scan;

  const std::size_t size = bytes.size();
  std::size_t pos = kJournalHeaderBytes;
  while (pos < size) {
    const std::size_t left = size - pos;
    if (left < kRecordHeaderBytes) {
      EndScan(scan, JournalScan::End::kTornTail, pos,
              "incomplete record header at the end of the file");
      break;
    }
    const std::uint32_t length = DecodeFixed32(bytes, pos);
    const std::uint32_t stored_crc = DecodeFixed32(bytes, pos + 4);
    const auto type = static_cast<std::uint8_t>(bytes[pos + 8]);
    // Only the last write can be cut short, and its length says how much is
    // missing; nothing after it can be read either way.
    if (length > left - kRecordHeaderBytes) {
      EndScan(scan, JournalScan::End::kTornTail, pos,
              "record of " + std::to_string(length) + " bytes cut short at the end of the file");
      break;
    }
    const std::size_t frame_end = pos + kRecordHeaderBytes + length;
    const std::string_view payload = bytes.substr(pos + kRecordHeaderBytes, length);

    std::string problem;
    if (length > kMaxRecordBytes) {
      problem = "record length " + std::to_string(length) + " exceeds the limit of " +
                std::to_string(kMaxRecordBytes) + " bytes";
    } else if (type == 0) {
      problem = "record of type 0 (never written)";
    } else if (FrameCrc(type, payload) != stored_crc) {
      problem = "checksum mismatch in a record of " + std::to_string(length) + " bytes";
    }
    if (!problem.empty()) {
      // A frame the crash caught half-flushed is the file's last, or lies in
      // the zeros a file system can leave past the last flushed block after
      // power loss. Anything else is damage to acknowledged records.
      if (frame_end == size) {
        EndScan(scan, JournalScan::End::kTornTail, pos, problem + " (the file's last)");
      } else if (AllZero(bytes.substr(pos))) {
        EndScan(scan, JournalScan::End::kTornTail, pos,
                "zero-filled tail of " + std::to_string(size - pos) + " bytes");
      } else {
        EndScan(scan, JournalScan::End::kCorrupt, pos, std::move(problem));
      }
      break;
    }
    scan.records.push_back(JournalRecord{type, payload, pos});
    pos = frame_end;
  }
  scan.valid_bytes = pos;
  if (scan.end == JournalScan::End::kClean) scan.problem_offset = size;
  return scan;
}

// --- JournalWriter -------------------------------------------------------------

std::optional<JournalWriter> JournalWriter::Create(const std::string& path, std::string* error) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) {
    SetJournalError(error, JournalSystemError(path, "cannot create the journal", errno));
    return std::nullopt;
  }
  // From here on the writer owns (and on failure closes) the descriptor.
  JournalWriter writer(fd, path, 0);
  const std::string header = EncodeJournalHeader();
  std::string failure;
  if (const int err = WriteAll(fd, header); err != 0) {
    failure = JournalSystemError(path, "cannot write the journal header", err);
  } else if (::fdatasync(fd) != 0) {
    failure = JournalSystemError(path, "cannot sync the journal header", errno);
  } else {
    // The file's name must be durable too, or a crash could lose the whole
    // file and every record later synced into it.
    const auto slash = path.rfind('/');
    const std::string dir =
        slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
    SyncDirectory(dir, &failure);
  }
  if (!failure.empty()) {
    writer.Close();
    ::unlink(path.c_str());  // best effort: an empty or torn journal reads as no records anyway
    SetJournalError(error, std::move(failure));
    return std::nullopt;
  }
  writer.size_ = header.size();
  return writer;
}

JournalWriter::JournalWriter(int fd, std::string path, std::uint64_t size)
    : fd_(fd), path_(std::move(path)), size_(size) {}

JournalWriter::JournalWriter(JournalWriter&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      path_(std::move(other.path_)),
      size_(other.size_),
      broken_(std::move(other.broken_)) {}

JournalWriter& JournalWriter::operator=(JournalWriter&& other) noexcept {
  if (this != &other) {
    Close();
    fd_ = std::exchange(other.fd_, -1);
    path_ = std::move(other.path_);
    size_ = other.size_;
    broken_ = std::move(other.broken_);
  }
  return *this;
}

JournalWriter::~JournalWriter() { Close(); }

void JournalWriter::Close() {
  // Nothing to report: whatever was to be durable was synced by Sync().
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

bool JournalWriter::Usable(std::string* error) const {
  if (fd_ < 0) {
    SetJournalError(error, path_ + ": the journal writer was moved from");
    return false;
  }
  if (!broken_.empty()) {
    SetJournalError(error, broken_);
    return false;
  }
  return true;
}

bool JournalWriter::Append(std::string_view framed_bytes, std::string* error) {
  if (!Usable(error)) return false;
  if (const int err = WriteAll(fd_, framed_bytes); err != 0) {
    std::string failure = JournalSystemError(path_, "cannot append to the journal", err);
    // A partial frame left in place would sit in the middle of the file
    // after the next append, and read as damage at the next start.
    if (::ftruncate(fd_, static_cast<off_t>(size_)) != 0) {
      broken_ = JournalSystemError(path_, "cannot undo a failed append", errno);
      failure += "; " + broken_;
    }
    SetJournalError(error, std::move(failure));
    return false;
  }
  size_ += framed_bytes.size();
  return true;
}

bool JournalWriter::Sync(std::string* error) {
  if (!Usable(error)) return false;
  if (::fdatasync(fd_) != 0) {
    broken_ = JournalSystemError(path_, "cannot sync the journal", errno);
    SetJournalError(error, broken_);
    return false;
  }
  return true;
}

}  // namespace sluice::persist
