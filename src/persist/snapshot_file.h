// The snapshot file format of a --data-dir (issue 14): the whole state as
// one payload, behind a 32-byte header
//   magic "SLUICESN" | u32 LE version (1) | u32 LE flags (0) |
//   u64 LE payload length | u32 LE crc32c(payload) | u32 LE crc32c(header[0, 28))
// A snapshot is written whole through a .tmp and a rename
// (WriteFileDurably), so unlike a journal it has no torn tail: any damage
// is a failure to read it. Pure functions, safe from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace sluice::persist {

inline constexpr std::string_view kSnapshotMagic = "SLUICESN";
inline constexpr std::uint32_t kSnapshotVersion = 1;
inline constexpr std::size_t kSnapshotHeaderBytes = 32;

// The header and `payload`: the file's whole content.
std::string EncodeSnapshot(std::string_view payload);

struct SnapshotRead {
  bool ok = false;
  // Views the bytes given to DecodeSnapshot; set only when ok.
  std::string_view payload;
  // What is wrong, for a person, when not ok: "not a sluice snapshot",
  // "format version 7; this sluice reads version 1", "truncated: header says
  // N bytes, file holds M", "checksum mismatch in the payload", ...
  std::string problem;
  // The header's version field, when the magic was there to read it.
  std::uint32_t version_found = 0;
  // An intact header of another format version (problem says which).
  bool unknown_version = false;
};

// Checks a whole snapshot file's bytes and finds its payload.
SnapshotRead DecodeSnapshot(std::string_view bytes);

}  // namespace sluice::persist
