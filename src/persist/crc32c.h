// CRC-32C (Castagnoli, polynomial 0x1EDC6F41, reflected), the checksum of
// every journal record and snapshot in a --data-dir (issue 14). Castagnoli
// rather than zlib's CRC-32 because it detects more error patterns at the
// sizes we checksum and is what leveldb, RocksDB and iSCSI use, so other
// tools can check our files. Pure function: safe from any thread.
#pragma once

#include <cstdint>
#include <string_view>

namespace sluice::persist {

// The CRC-32C of `data`, continuing from `crc`, the CRC-32C of the bytes
// before it (0 for none): Crc32c(b, Crc32c(a)) == Crc32c(a + b), so a record's
// checksum covers its type byte and payload without joining them.
// Crc32c("123456789") == 0xE3069283.
std::uint32_t Crc32c(std::string_view data, std::uint32_t crc = 0);

}  // namespace sluice::persist
