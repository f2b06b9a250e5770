// The snapshot format (persist/snapshot_file.h): a snapshot reads back only
// whole and unaltered; anything else is refused with a reason a person can
// act on.
#include "persist/snapshot_file.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <string_view>

#include "persist/coding.h"
#include "persist/crc32c.h"

namespace sluice::persist::snapshot_file_test {
namespace {

std::string SnapshotPayload(std::size_t size) {
  std::mt19937 random(static_cast<std::uint32_t>(size));
  std::uniform_int_distribution<int> byte(0, 255);
  std::string payload(size, '\0');
  for (char& c : payload) c = static_cast<char>(byte(random));
  return payload;
}

// A header as EncodeSnapshot writes it, but with the given fields, and a
// header checksum that matches them.
std::string SnapshotHeader(std::uint32_t version, std::uint32_t flags, std::uint64_t length,
                           std::uint32_t payload_crc) {
  std::string header(kSnapshotMagic);
  PutFixed32(header, version);
  PutFixed32(header, flags);
  PutFixed64(header, length);
  PutFixed32(header, payload_crc);
  PutFixed32(header, Crc32c(header));
  return header;
}

TEST(SnapshotFileTest, PayloadsReadBackAsWritten) {
  for (const std::size_t size : {0u, 1u, 31u, 32u, 1000u, 100000u}) {
    const std::string payload = SnapshotPayload(size);
    const std::string bytes = EncodeSnapshot(payload);
    ASSERT_EQ(bytes.size(), kSnapshotHeaderBytes + size);
    EXPECT_EQ(bytes.substr(0, kSnapshotHeaderBytes),
              SnapshotHeader(1, 0, size, Crc32c(payload)));
    const SnapshotRead read = DecodeSnapshot(bytes);
    EXPECT_TRUE(read.ok) << size << " bytes: " << read.problem;
    EXPECT_EQ(read.payload, payload);
    EXPECT_EQ(read.problem, "");
    EXPECT_EQ(read.version_found, 1u);
    EXPECT_FALSE(read.unknown_version);
  }
}

TEST(SnapshotFileTest, TheHeaderIsLaidOutAsDocumented) {
  const std::string bytes = EncodeSnapshot("state");
  EXPECT_EQ(bytes.substr(0, 8), "SLUICESN");
  EXPECT_EQ(DecodeFixed32(bytes, 8), 1u);   // version
  EXPECT_EQ(DecodeFixed32(bytes, 12), 0u);  // flags
  EXPECT_EQ(DecodeFixed64(bytes, 16), 5u);  // payload length
  EXPECT_EQ(DecodeFixed32(bytes, 24), Crc32c("state"));
  EXPECT_EQ(DecodeFixed32(bytes, 28), Crc32c(bytes.substr(0, 28)));
  EXPECT_EQ(bytes.substr(32), "state");
}

TEST(SnapshotFileTest, ATruncatedSnapshotIsRefusedAtEveryLength) {
  const std::string payload = SnapshotPayload(100);
  const std::string bytes = EncodeSnapshot(payload);
  for (std::size_t cut = 0; cut < bytes.size(); ++cut) {
    const SnapshotRead read = DecodeSnapshot(std::string_view(bytes).substr(0, cut));
    EXPECT_FALSE(read.ok) << "cut at " << cut;
    EXPECT_EQ(read.payload, "") << "cut at " << cut;
    if (cut < kSnapshotHeaderBytes) {
      EXPECT_EQ(read.problem, "truncated: file holds " + std::to_string(cut) +
                                  " bytes, less than the 32-byte header");
    } else {
      EXPECT_EQ(read.problem, "truncated: header says 100 bytes, file holds " +
                                  std::to_string(cut - kSnapshotHeaderBytes));
    }
  }
}

TEST(SnapshotFileTest, AFlippedBitAnywhereIsRefused) {
  const std::string bytes = EncodeSnapshot(SnapshotPayload(64));
  for (std::size_t at = 0; at < bytes.size(); ++at) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string flipped = bytes;
      flipped[at] = static_cast<char>(flipped[at] ^ (1 << bit));
      const SnapshotRead read = DecodeSnapshot(flipped);
      const std::string context = "bit " + std::to_string(bit) + " of byte " + std::to_string(at);
      ASSERT_FALSE(read.ok) << context;
      EXPECT_FALSE(read.unknown_version) << context;
      if (at < 8) {
        EXPECT_EQ(read.problem, "not a sluice snapshot") << context;
      } else if (at < kSnapshotHeaderBytes) {
        EXPECT_EQ(read.problem, "checksum mismatch in the header") << context;
      } else {
        EXPECT_EQ(read.problem, "checksum mismatch in the payload of 64 bytes") << context;
      }
    }
  }
}

TEST(SnapshotFileTest, AnotherVersionIsReportedWithItsNumber) {
  const std::string payload = "a version 7 snapshot";
  const SnapshotRead read =
      DecodeSnapshot(SnapshotHeader(7, 0, payload.size(), Crc32c(payload)) + payload);
  EXPECT_FALSE(read.ok);
  EXPECT_TRUE(read.unknown_version);
  EXPECT_EQ(read.version_found, 7u);
  EXPECT_EQ(read.problem, "format version 7; this sluice reads version 1");
}

TEST(SnapshotFileTest, OtherDamageIsNamed) {
  const std::string payload = "state";
  struct Case {
    std::string bytes;
    std::string problem;
  };
  const Case cases[] = {
      {"", "truncated: file holds 0 bytes, less than the 32-byte header"},
      {"hello, world", "not a sluice snapshot"},
      {"SLUICEJL" + std::string(40, '\x01'), "not a sluice snapshot"},  // a journal
      {EncodeSnapshot(payload) + "x", "trailing bytes: header says 5 bytes, file holds 6"},
      {SnapshotHeader(1, 4, payload.size(), Crc32c(payload)) + payload,
       "unknown flags 4 in the header"},
      {SnapshotHeader(1, 0, UINT64_MAX, Crc32c(payload)) + payload,
       "truncated: header says 18446744073709551615 bytes, file holds 5"},
  };
  for (const Case& c : cases) {
    const SnapshotRead read = DecodeSnapshot(c.bytes);
    EXPECT_FALSE(read.ok) << c.problem;
    EXPECT_EQ(read.problem, c.problem);
    EXPECT_FALSE(read.unknown_version) << c.problem;
  }
}

}  // namespace
}  // namespace sluice::persist::snapshot_file_test
