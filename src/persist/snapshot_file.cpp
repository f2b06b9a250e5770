// The snapshot format (see snapshot_file.h). The header has its own checksum
// so that a damaged length is caught as such, before it is believed.
#include "persist/snapshot_file.h"

#include <utility>

#include "persist/coding.h"
#include "persist/crc32c.h"

namespace sluice::persist {

namespace {

// Offsets of the header's fields.
constexpr std::size_t kVersionAt = 8;
constexpr std::size_t kFlagsAt = 12;
constexpr std::size_t kLengthAt = 16;
constexpr std::size_t kPayloadCrcAt = 24;
constexpr std::size_t kHeaderCrcAt = 28;

SnapshotRead SnapshotProblem(std::string problem, std::uint32_t version_found = 0) {
  SnapshotRead read;
  read.problem = std::move(problem);
  read.version_found = version_found;
  return read;
}

}  // namespace

std::string EncodeSnapshot(std::string_view payload) {
  std::string bytes;
  bytes.reserve(kSnapshotHeaderBytes + payload.size());
  bytes.append(kSnapshotMagic);
  PutFixed32(bytes, kSnapshotVersion);
  PutFixed32(bytes, 0);  // flags: none defined
  PutFixed64(bytes, payload.size());
  PutFixed32(bytes, Crc32c(payload));
  PutFixed32(bytes, Crc32c(bytes));
  bytes.append(payload);
  return bytes;
}

SnapshotRead DecodeSnapshot(std::string_view bytes) {
  const std::string_view magic_part = bytes.substr(0, kSnapshotMagic.size());
  if (magic_part != kSnapshotMagic.substr(0, magic_part.size())) {
    return SnapshotProblem("not a sluice snapshot");
  }
  if (bytes.size() < kSnapshotHeaderBytes) {
    return SnapshotProblem("truncated: file holds " + std::to_string(bytes.size()) +
                           " bytes, less than the " + std::to_string(kSnapshotHeaderBytes) +
                           "-byte header");
  }
  const std::uint32_t version = DecodeFixed32(bytes, kVersionAt);
  if (DecodeFixed32(bytes, kHeaderCrcAt) != Crc32c(bytes.substr(0, kHeaderCrcAt))) {
    return SnapshotProblem("checksum mismatch in the header", version);
  }
  if (version != kSnapshotVersion) {
    SnapshotRead read = SnapshotProblem("format version " + std::to_string(version) +
                                            "; this sluice reads version " +
                                            std::to_string(kSnapshotVersion),
                                        version);
    read.unknown_version = true;
    return read;
  }
  // Version 1 defines no flags; one set means a writer this reader predates.
  if (const std::uint32_t flags = DecodeFixed32(bytes, kFlagsAt); flags != 0) {
    return SnapshotProblem("unknown flags " + std::to_string(flags) + " in the header", version);
  }
  const std::uint64_t length = DecodeFixed64(bytes, kLengthAt);
  const std::uint64_t held = bytes.size() - kSnapshotHeaderBytes;
  if (length > held) {
    return SnapshotProblem("truncated: header says " + std::to_string(length) +
                               " bytes, file holds " + std::to_string(held),
                           version);
  }
  if (length < held) {
    return SnapshotProblem("trailing bytes: header says " + std::to_string(length) +
                               " bytes, file holds " + std::to_string(held),
                           version);
  }
  const std::string_view payload = bytes.substr(kSnapshotHeaderBytes);
  if (DecodeFixed32(bytes, kPayloadCrcAt) != Crc32c(payload)) {
    return SnapshotProblem("checksum mismatch in the payload of " + std::to_string(length) +
                               " bytes",
                           version);
  }
  SnapshotRead read;
  read.ok = true;
  read.payload = payload;
  read.version_found = version;
  return read;
}

}  // namespace sluice::persist
