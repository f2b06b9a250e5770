// The journal format (persist/record_log.h) and its checksum: what a crash
// can do to the end of a journal must read as a torn tail, never as damage;
// damage anywhere else must be reported where it starts; and no scan may
// ever hand back a record whose bytes were altered.
#include "persist/record_log.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "persist/coding.h"
#include "persist/crc32c.h"
#include "persist/data_files.h"
#include "temp_dir.h"

namespace sluice::persist::record_log_test {
namespace {

using End = JournalScan::End;

// The textbook bit-at-a-time CRC-32C, to check the table-driven one against.
std::uint32_t BitwiseCrc32c(std::string_view data) {
  std::uint32_t crc = 0xFFFFFFFFu;
  for (const char c : data) {
    crc ^= static_cast<unsigned char>(c);
    for (int bit = 0; bit < 8; ++bit) crc = (crc & 1u) != 0 ? (crc >> 1) ^ 0x82F63B78u : crc >> 1;
  }
  return ~crc;
}

std::string RandomBytes(std::mt19937& random, std::size_t size) {
  std::uniform_int_distribution<int> byte(0, 255);
  std::string bytes(size, '\0');
  for (char& c : bytes) c = static_cast<char>(byte(random));
  return bytes;
}

struct TestRecord {
  std::uint8_t type;
  std::string payload;
};

// A journal of `records`, with where each frame starts and ends.
struct BuiltJournal {
  std::string bytes;
  std::vector<std::uint64_t> starts;
  std::vector<std::uint64_t> ends;
};

BuiltJournal BuildJournal(const std::vector<TestRecord>& records) {
  BuiltJournal journal{EncodeJournalHeader(), {}, {}};
  for (const TestRecord& record : records) {
    journal.starts.push_back(journal.bytes.size());
    AppendRecord(journal.bytes, record.type, record.payload);
    journal.ends.push_back(journal.bytes.size());
  }
  return journal;
}

const std::vector<TestRecord>& ThreeRecords() {
  static const std::vector<TestRecord> records = {
      {1, "{\"pipeline\":\"first\"}"},
      {2, "the middle record, a little longer than the first"},
      {7, "third and last: " + std::string(40, 'z')},
  };
  return records;
}

// Every record the scan returned is the one written there, byte for byte.
void ExpectIntactPrefix(const JournalScan& scan, const std::vector<TestRecord>& written,
                        const BuiltJournal& journal, const std::string& context) {
  ASSERT_LE(scan.records.size(), written.size()) << context;
  for (std::size_t i = 0; i < scan.records.size(); ++i) {
    EXPECT_EQ(scan.records[i].type, written[i].type) << context << " record " << i;
    EXPECT_EQ(scan.records[i].payload, written[i].payload) << context << " record " << i;
    EXPECT_EQ(scan.records[i].offset, journal.starts[i]) << context << " record " << i;
  }
}

std::string HeaderWithVersion(std::uint32_t version) {
  std::string header(kJournalMagic);
  PutFixed32(header, version);
  PutFixed32(header, Crc32c(header));
  return header;
}

// --- CRC-32C -----------------------------------------------------------------

// RFC 3720 (iSCSI) appendix B.4, and the customary check value.
TEST(PersistCrc32cTest, MatchesTheKnownVectors) {
  std::string ascending;
  std::string descending;
  for (int i = 0; i < 32; ++i) {
    ascending.push_back(static_cast<char>(i));
    descending.push_back(static_cast<char>(31 - i));
  }
  const std::pair<std::string, std::uint32_t> cases[] = {
      {"", 0x00000000u},
      {"123456789", 0xE3069283u},
      {std::string(32, '\0'), 0x8A9136AAu},
      {std::string(32, '\xFF'), 0x62A8AB43u},
      {ascending, 0x46DD794Eu},
      {descending, 0x113FDB5Cu},
  };
  for (const auto& [data, crc] : cases) {
    EXPECT_EQ(Crc32c(data), crc) << "input of " << data.size() << " bytes";
  }
}

TEST(PersistCrc32cTest, AgreesWithTheBitwiseDefinitionAtEveryLengthAndAlignment) {
  std::mt19937 random(3720);
  const std::string data = RandomBytes(random, 300);
  for (std::size_t start = 0; start < 8; ++start) {
    for (std::size_t length = 0; start + length <= 80; ++length) {
      const std::string_view piece = std::string_view(data).substr(start, length);
      ASSERT_EQ(Crc32c(piece), BitwiseCrc32c(piece)) << "start " << start << " length " << length;
    }
  }
  EXPECT_EQ(Crc32c(data), BitwiseCrc32c(data));
}

TEST(PersistCrc32cTest, ContinuesFromTheCrcOfWhatCameBefore) {
  std::mt19937 random(14);
  const std::string data = RandomBytes(random, 100);
  for (std::size_t split = 0; split <= data.size(); ++split) {
    const std::string_view all = data;
    EXPECT_EQ(Crc32c(all.substr(split), Crc32c(all.substr(0, split))), Crc32c(all))
        << "split at " << split;
  }
}

// --- Encoding ----------------------------------------------------------------

TEST(RecordLogTest, HeaderIsMagicVersionAndChecksum) {
  const std::string header = EncodeJournalHeader();
  ASSERT_EQ(header.size(), kJournalHeaderBytes);
  EXPECT_EQ(header.substr(0, 8), "SLUICEJL");
  EXPECT_EQ(header.substr(8, 4), std::string("\x01\x00\x00\x00", 4));
  EXPECT_EQ(DecodeFixed32(header, 12), Crc32c(header.substr(0, 12)));
}

TEST(RecordLogTest, FrameIsLengthChecksumTypeAndPayload) {
  std::string frame;
  AppendRecord(frame, 5, "abc");
  ASSERT_EQ(frame.size(), kRecordHeaderBytes + 3);
  EXPECT_EQ(frame.substr(0, 4), std::string("\x03\x00\x00\x00", 4));
  EXPECT_EQ(DecodeFixed32(frame, 4), Crc32c("\x05" "abc"));
  EXPECT_EQ(frame[8], '\x05');
  EXPECT_EQ(frame.substr(9), "abc");
}

TEST(RecordLogTest, ManyRandomRecordsReadBackAsWritten) {
  std::mt19937 random(20150709);
  std::uniform_int_distribution<int> type(1, 255);
  std::uniform_int_distribution<std::size_t> size(0, 200);
  std::vector<TestRecord> written;
  for (int i = 0; i < 1000; ++i) {
    // Now and then a record far larger than the rest, and an empty one.
    const std::size_t length = i % 100 == 99 ? 70000 : (i % 37 == 0 ? 0 : size(random));
    written.push_back({static_cast<std::uint8_t>(type(random)), RandomBytes(random, length)});
  }
  const BuiltJournal journal = BuildJournal(written);

  const JournalScan scan = ScanJournal(journal.bytes);
  EXPECT_EQ(scan.end, End::kClean) << scan.problem;
  ASSERT_EQ(scan.records.size(), written.size());
  ExpectIntactPrefix(scan, written, journal, "round trip");
  EXPECT_EQ(scan.valid_bytes, journal.bytes.size());
  EXPECT_EQ(scan.problem_offset, journal.bytes.size());
  EXPECT_EQ(scan.problem, "");
  EXPECT_EQ(scan.version_found, kJournalVersion);
}

TEST(RecordLogTest, AHeaderAloneIsACleanEmptyJournal) {
  const JournalScan scan = ScanJournal(EncodeJournalHeader());
  EXPECT_EQ(scan.end, End::kClean);
  EXPECT_TRUE(scan.records.empty());
  EXPECT_EQ(scan.valid_bytes, kJournalHeaderBytes);
}

// --- What a crash can leave --------------------------------------------------

TEST(RecordLogTest, TruncationAtEveryOffsetIsATornTailKeepingTheWholeRecords) {
  const BuiltJournal journal = BuildJournal(ThreeRecords());
  for (std::size_t cut = 0; cut <= journal.bytes.size(); ++cut) {
    const std::string context = "cut at " + std::to_string(cut);
    const JournalScan scan = ScanJournal(std::string_view(journal.bytes).substr(0, cut));
    ExpectIntactPrefix(scan, ThreeRecords(), journal, context);
    if (cut < kJournalHeaderBytes) {
      EXPECT_EQ(scan.end, End::kTornTail) << context;
      EXPECT_EQ(scan.valid_bytes, 0u) << context;
      EXPECT_TRUE(scan.records.empty()) << context;
      continue;
    }
    std::size_t whole = 0;
    while (whole < journal.ends.size() && journal.ends[whole] <= cut) ++whole;
    const std::uint64_t valid = whole == 0 ? kJournalHeaderBytes : journal.ends[whole - 1];
    EXPECT_EQ(scan.records.size(), whole) << context;
    EXPECT_EQ(scan.valid_bytes, valid) << context;
    EXPECT_EQ(scan.end, cut == valid ? End::kClean : End::kTornTail)
        << context << ": " << scan.problem;
    EXPECT_EQ(scan.problem_offset, valid) << context;
  }
}

TEST(RecordLogTest, AZeroFilledTailIsTorn) {
  const std::vector<TestRecord> written(ThreeRecords().begin(), ThreeRecords().begin() + 2);
  const BuiltJournal journal = BuildJournal(written);
  for (const std::size_t zeros : {1u, 8u, 9u, 10u, 100u, 4096u}) {
    const JournalScan scan = ScanJournal(journal.bytes + std::string(zeros, '\0'));
    EXPECT_EQ(scan.end, End::kTornTail) << zeros << " zeros: " << scan.problem;
    EXPECT_EQ(scan.records.size(), 2u) << zeros << " zeros";
    EXPECT_EQ(scan.valid_bytes, journal.bytes.size()) << zeros << " zeros";
    EXPECT_EQ(scan.problem_offset, journal.bytes.size()) << zeros << " zeros";
  }
}

TEST(RecordLogTest, ZerosWithDataAfterThemAreDamage) {
  const BuiltJournal journal = BuildJournal(ThreeRecords());
  const JournalScan scan = ScanJournal(journal.bytes + std::string(100, '\0') + "x");
  EXPECT_EQ(scan.end, End::kCorrupt) << scan.problem;
  EXPECT_EQ(scan.records.size(), 3u);
  EXPECT_EQ(scan.problem_offset, journal.bytes.size());
}

TEST(RecordLogTest, ABadChecksumInTheLastRecordIsTorn) {
  const BuiltJournal journal = BuildJournal(ThreeRecords());
  std::string bytes = journal.bytes;
  bytes.back() = static_cast<char>(bytes.back() ^ 0x20);
  const JournalScan scan = ScanJournal(bytes);
  EXPECT_EQ(scan.end, End::kTornTail);
  EXPECT_EQ(scan.records.size(), 2u);
  EXPECT_EQ(scan.valid_bytes, journal.starts[2]);
  EXPECT_NE(scan.problem.find("checksum mismatch"), std::string::npos) << scan.problem;
}

TEST(RecordLogTest, AFrameClaimingMoreThanTheFileHoldsIsTorn) {
  std::string bytes = BuildJournal(ThreeRecords()).bytes;
  const std::size_t end = bytes.size();
  PutFixed32(bytes, 0xFFFFFFFFu);  // over kMaxRecordBytes too: a torn length
  PutFixed32(bytes, 0);
  bytes += "\x01partial";
  const JournalScan scan = ScanJournal(bytes);
  EXPECT_EQ(scan.end, End::kTornTail);
  EXPECT_EQ(scan.records.size(), 3u);
  EXPECT_EQ(scan.valid_bytes, end);
}

// --- Damage ------------------------------------------------------------------

TEST(RecordLogTest, ABadChecksumInTheMiddleIsCorruptAtThatRecord) {
  const BuiltJournal journal = BuildJournal(ThreeRecords());
  std::string bytes = journal.bytes;
  bytes[journal.starts[1] + 12] ^= 0x01;
  const JournalScan scan = ScanJournal(bytes);
  EXPECT_EQ(scan.end, End::kCorrupt);
  EXPECT_EQ(scan.records.size(), 1u);
  EXPECT_EQ(scan.problem_offset, journal.starts[1]);
  EXPECT_EQ(scan.valid_bytes, journal.starts[1]);
  EXPECT_EQ(scan.problem, "checksum mismatch in a record of " +
                              std::to_string(ThreeRecords()[1].payload.size()) + " bytes");
}

TEST(RecordLogTest, ARecordOfTypeZeroInTheMiddleIsCorrupt) {
  std::string bytes = EncodeJournalHeader();
  AppendRecord(bytes, 1, "before");
  const std::size_t bad = bytes.size();
  AppendRecord(bytes, 0, "type zero");  // no writer does this; a checksum alone would pass it
  AppendRecord(bytes, 1, "after");
  const JournalScan scan = ScanJournal(bytes);
  EXPECT_EQ(scan.end, End::kCorrupt);
  EXPECT_EQ(scan.problem_offset, bad);
  EXPECT_NE(scan.problem.find("type 0"), std::string::npos) << scan.problem;
}

// A single flipped bit anywhere is caught: in the header the file is not a
// journal; in a record, the scan stops at that record, as damage unless
// where it lies says crash. A flipped length that carries the frame past the
// end of the file reads like a record cut short by a crash: the format
// cannot tell the two apart (leveldb's cannot either, within its last block).
TEST(RecordLogTest, ABitFlipAnywhereStopsTheScanAtItsRecordAndAltersNothing) {
  const BuiltJournal journal = BuildJournal(ThreeRecords());
  const std::uint64_t size = journal.bytes.size();
  int corrupt_in_middle = 0;
  for (std::size_t at = 0; at < journal.bytes.size(); ++at) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string bytes = journal.bytes;
      bytes[at] = static_cast<char>(bytes[at] ^ (1 << bit));
      const std::string context = "bit " + std::to_string(bit) + " of byte " + std::to_string(at);
      const JournalScan scan = ScanJournal(bytes);
      ExpectIntactPrefix(scan, ThreeRecords(), journal, context);
      ASSERT_NE(scan.end, End::kClean) << context;
      if (at < kJournalHeaderBytes) {
        EXPECT_TRUE(scan.end == End::kNotJournal || scan.end == End::kUnknownVersion) << context;
        EXPECT_TRUE(scan.records.empty()) << context;
        EXPECT_EQ(scan.valid_bytes, 0u) << context;
        continue;
      }
      std::size_t r = 0;
      while (journal.ends[r] <= at) ++r;
      const std::uint64_t start = journal.starts[r];
      EXPECT_EQ(scan.records.size(), r) << context;
      EXPECT_EQ(scan.problem_offset, start) << context;
      EXPECT_EQ(scan.valid_bytes, start) << context;
      const std::uint64_t claimed_end = start + kRecordHeaderBytes + DecodeFixed32(bytes, start);
      if (claimed_end >= size) {
        // Past the end (a flipped length), or the file's last frame.
        EXPECT_EQ(scan.end, End::kTornTail) << context;
      } else {
        EXPECT_EQ(scan.end, End::kCorrupt) << context;
      }
      if (r == 1 && scan.end == End::kCorrupt) ++corrupt_in_middle;
      if (r == 1 && at >= start + 4) {
        EXPECT_EQ(scan.end, End::kCorrupt) << context;
      }
    }
  }
  // Only flips that lengthen the middle record past the end escape kCorrupt.
  const auto middle_bits = static_cast<int>(8 * (journal.ends[1] - journal.starts[1]));
  EXPECT_GT(corrupt_in_middle, middle_bits - 32);
}

// --- Headers -----------------------------------------------------------------

TEST(RecordLogTest, AHeaderCutShortOrZeroFilledIsTornWithNoRecords) {
  const std::string header = EncodeJournalHeader();
  const std::string cases[] = {
      "",
      "S",
      "SLUICEJL",
      header.substr(0, 15),
      std::string(5, '\0'),
      std::string(16, '\0'),
      std::string(4096, '\0'),
      header.substr(0, 10) + std::string(100, '\0'),
  };
  for (const std::string& bytes : cases) {
    const JournalScan scan = ScanJournal(bytes);
    EXPECT_EQ(scan.end, End::kTornTail) << bytes.size() << " bytes: " << scan.problem;
    EXPECT_TRUE(scan.records.empty());
    EXPECT_EQ(scan.valid_bytes, 0u);
    EXPECT_EQ(scan.problem_offset, 0u);
  }
}

TEST(RecordLogTest, OtherHeadersAreNotAJournal) {
  std::string bad_checksum = EncodeJournalHeader();
  bad_checksum[13] ^= 0x40;
  AppendRecord(bad_checksum, 1, "record");
  const std::string cases[] = {
      "hello",
      "hello world, this is not a journal at all",
      "SLUICEJX" + EncodeJournalHeader().substr(8),
      "SLUICESN" + std::string(24, '\0'),  // a snapshot
      std::string("SLUICEJL\x02", 9),
      bad_checksum,
  };
  for (const std::string& bytes : cases) {
    const JournalScan scan = ScanJournal(bytes);
    EXPECT_EQ(scan.end, End::kNotJournal) << bytes;
    EXPECT_EQ(scan.problem.rfind("not a sluice journal", 0), 0u) << scan.problem;
    EXPECT_TRUE(scan.records.empty());
    EXPECT_EQ(scan.valid_bytes, 0u);
  }
}

TEST(RecordLogTest, AnotherVersionIsReportedWithItsNumber) {
  std::string bytes = HeaderWithVersion(7);
  AppendRecord(bytes, 1, "a record of version 7");
  const JournalScan scan = ScanJournal(bytes);
  EXPECT_EQ(scan.end, End::kUnknownVersion);
  EXPECT_EQ(scan.version_found, 7u);
  EXPECT_EQ(scan.problem, "format version 7; this sluice reads version 1");
  EXPECT_TRUE(scan.records.empty());
  EXPECT_EQ(scan.valid_bytes, 0u);
}

TEST(RecordLogTest, EndsHaveNames) {
  EXPECT_EQ(ToString(End::kClean), "clean");
  EXPECT_EQ(ToString(End::kTornTail), "torn tail");
  EXPECT_EQ(ToString(End::kCorrupt), "corrupt");
  EXPECT_EQ(ToString(End::kNotJournal), "not a journal");
  EXPECT_EQ(ToString(End::kUnknownVersion), "unknown version");
}

// --- JournalWriter -----------------------------------------------------------

TEST(JournalWriterTest, AppendsFramesThatTheScanReadsBack) {
  const testing::ScratchDir dir;
  const std::string path = dir / JournalName(1);
  std::string error;
  auto writer = JournalWriter::Create(path, &error);
  ASSERT_TRUE(writer) << error;
  EXPECT_EQ(writer->size(), kJournalHeaderBytes);
  EXPECT_EQ(writer->path(), path);

  std::vector<TestRecord> written;
  for (int batch = 0; batch < 10; ++batch) {
    std::string frames;  // a group commit's worth
    for (int i = 0; i < 5; ++i) {
      written.push_back({static_cast<std::uint8_t>(1 + i), "batch " + std::to_string(batch) +
                                                               " record " + std::to_string(i)});
      AppendRecord(frames, written.back().type, written.back().payload);
    }
    ASSERT_TRUE(writer->Append(frames, &error)) << error;
    ASSERT_TRUE(writer->Sync(&error)) << error;
  }

  std::string bytes;
  ASSERT_TRUE(ReadWholeFile(path, bytes, &error)) << error;
  EXPECT_EQ(writer->size(), bytes.size());
  EXPECT_EQ(bytes, BuildJournal(written).bytes);
  const JournalScan scan = ScanJournal(bytes);
  EXPECT_EQ(scan.end, End::kClean);
  ExpectIntactPrefix(scan, written, BuildJournal(written), "written");
  EXPECT_EQ(scan.records.size(), written.size());

  struct stat info {};
  ASSERT_EQ(::stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
}

TEST(JournalWriterTest, AnEmptyNewJournalIsClean) {
  const testing::ScratchDir dir;
  std::string error;
  {
    auto writer = JournalWriter::Create(dir / JournalName(2), &error);
    ASSERT_TRUE(writer) << error;
  }
  std::string bytes;
  ASSERT_TRUE(ReadWholeFile(dir / JournalName(2), bytes, &error)) << error;
  EXPECT_EQ(ScanJournal(bytes).end, End::kClean);
}

TEST(JournalWriterTest, RefusesAFileThatExists) {
  const testing::ScratchDir dir;
  const std::string path = dir / JournalName(3);
  std::string error;
  ASSERT_TRUE(JournalWriter::Create(path, &error)) << error;
  EXPECT_FALSE(JournalWriter::Create(path, &error));
  EXPECT_NE(error.find(path), std::string::npos) << error;
  EXPECT_NE(error.find("File exists"), std::string::npos) << error;
}

TEST(JournalWriterTest, FailsInADirectoryThatIsMissing) {
  const testing::ScratchDir dir;
  const std::string path = dir / "missing/journal.log";
  std::string error;
  EXPECT_FALSE(JournalWriter::Create(path, &error));
  EXPECT_NE(error.find(path), std::string::npos) << error;
  EXPECT_FALSE(JournalWriter::Create(path, nullptr));  // no error wanted: no crash either
}

TEST(JournalWriterTest, AMovedWriterKeepsWritingAndTheOldOneRefuses) {
  const testing::ScratchDir dir;
  std::string error;
  auto first = JournalWriter::Create(dir / JournalName(4), &error);
  ASSERT_TRUE(first) << error;
  std::string frame;
  AppendRecord(frame, 1, "moved");
  JournalWriter second = std::move(*first);
  EXPECT_TRUE(second.Append(frame, &error)) << error;
  EXPECT_TRUE(second.Sync(&error)) << error;
  EXPECT_FALSE(first->Append(frame, &error));  // NOLINT(bugprone-use-after-move): on purpose
  EXPECT_FALSE(first->Sync(&error));
  EXPECT_EQ(second.size(), kJournalHeaderBytes + frame.size());
}

TEST(JournalWriterTest, ACrashMidAppendReadsAsATornTail) {
  const testing::ScratchDir dir;
  const std::string path = dir / JournalName(5);
  std::string error;
  auto writer = JournalWriter::Create(path, &error);
  ASSERT_TRUE(writer) << error;
  std::string frames;
  AppendRecord(frames, 1, "whole");
  ASSERT_TRUE(writer->Append(frames, &error)) << error;
  std::string last;
  AppendRecord(last, 2, "this one only half written");
  ASSERT_TRUE(writer->Append(std::string_view(last).substr(0, last.size() / 2), &error)) << error;

  std::string bytes;
  ASSERT_TRUE(ReadWholeFile(path, bytes, &error)) << error;
  const JournalScan scan = ScanJournal(bytes);
  EXPECT_EQ(scan.end, End::kTornTail);
  ASSERT_EQ(scan.records.size(), 1u);
  EXPECT_EQ(scan.records[0].payload, "whole");
}

}  // namespace
}  // namespace sluice::persist::record_log_test
