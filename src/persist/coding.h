// Fixed-width little-endian integers, as the journal and snapshot headers
// store them (persist/record_log.h, persist/snapshot_file.h). The files must
// read the same on any host, so bytes are assembled one by one rather than
// memcpy'd; compilers turn these into single loads and stores on x86 and ARM.
// Like leveldb's util/coding.h. Pure functions: safe from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace sluice::persist {

inline void PutFixed32(std::string& out, std::uint32_t value) {
  for (int shift = 0; shift < 32; shift += 8) {
    out.push_back(static_cast<char>((value >> shift) & 0xFFu));
  }
}

inline void PutFixed64(std::string& out, std::uint64_t value) {
  for (int shift = 0; shift < 64; shift += 8) {
    out.push_back(static_cast<char>((value >> shift) & 0xFFu));
  }
}

// `bytes` must hold at least 4 (8) bytes from `at`.
inline std::uint32_t DecodeFixed32(std::string_view bytes, std::size_t at) {
  std::uint32_t value = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    value |= static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[at + i])) << (8 * i);
  }
  return value;
}

inline std::uint64_t DecodeFixed64(std::string_view bytes, std::size_t at) {
  std::uint64_t value = 0;
  for (std::size_t i = 0; i < 8; ++i) {
    value |= static_cast<std::uint64_t>(static_cast<unsigned char>(bytes[at + i])) << (8 * i);
  }
  return value;
}

}  // namespace sluice::persist
