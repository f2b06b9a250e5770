// Fuzzes the readers of the data dir's files (persist/record_log.h and
// persist/snapshot_file.h): the input is a whole file, read both as a journal
// and as a snapshot. Whatever the bytes, neither reader may crash, and what
// they answer must be true of the bytes:
// - a journal scan's valid_bytes lies within the file; its records lie in
//   order inside the bytes, each right after the one before;
// - the header and the returned records, encoded again, are exactly the
//   bytes [0, valid_bytes): nothing was skipped, altered or invented;
// - a clean scan read the whole file, a corrupt one stopped before its end,
//   and a file that is not a journal (or of another version) yields nothing;
// - the intact prefix [0, valid_bytes), scanned alone, is clean;
// - a snapshot decoded as ok is exactly EncodeSnapshot of its payload.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "persist/record_log.h"
#include "persist/snapshot_file.h"

namespace {

// As sluice::fuzz::Require (invariants.h), which this fuzzer does not include:
// that header brings in the HTTP and protocol layers, and persist depends on
// neither.
void Require(bool holds, std::string_view invariant) {
  if (holds) return;
  std::fprintf(stderr, "\nfuzz invariant broken: %.*s\n", static_cast<int>(invariant.size()),
               invariant.data());
  std::abort();
}

bool Inside(std::string_view part, std::string_view whole) {
  return part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size();
}

void CheckJournal(std::string_view bytes) {
  using sluice::persist::JournalScan;
  const JournalScan scan = sluice::persist::ScanJournal(bytes);
  Require(scan.valid_bytes <= bytes.size(), "valid_bytes lies within the file");
  Require(scan.problem_offset <= bytes.size(), "problem_offset lies within the file");

  switch (scan.end) {
    case JournalScan::End::kClean:
      Require(scan.valid_bytes == bytes.size(), "a clean scan read the whole file");
      Require(scan.problem.empty(), "a clean scan has no problem");
      break;
    case JournalScan::End::kCorrupt:
      Require(scan.valid_bytes < bytes.size(), "damage lies before the end of the file");
      Require(!scan.problem.empty(), "damage is described");
      break;
    case JournalScan::End::kTornTail:
      Require(!scan.problem.empty(), "a torn tail is described");
      break;
    case JournalScan::End::kNotJournal:
    case JournalScan::End::kUnknownVersion:
      Require(scan.records.empty() && scan.valid_bytes == 0,
              "a file that is not a journal of this version yields nothing");
      Require(!scan.problem.empty(), "a refused header is described");
      return;
  }

  if (scan.valid_bytes == 0) {
    Require(scan.records.empty(), "records need an intact header");
    return;
  }
  std::string again = sluice::persist::EncodeJournalHeader();
  for (const auto& record : scan.records) {
    Require(record.offset == again.size(), "each record follows the one before");
    Require(Inside(record.payload, bytes), "a payload lies inside the bytes");
    Require(record.payload.data() ==
                bytes.data() + record.offset + sluice::persist::kRecordHeaderBytes,
            "a payload follows its frame header");
    Require(record.type != 0, "no record has type 0");
    sluice::persist::AppendRecord(again, record.type, record.payload);
  }
  Require(again.size() == scan.valid_bytes && bytes.substr(0, scan.valid_bytes) == again,
          "header and records encode to exactly bytes[0, valid_bytes)");
  Require(scan.end == JournalScan::End::kClean || scan.problem_offset == scan.valid_bytes,
          "a problem in the records starts where the valid bytes end");

  const JournalScan prefix = sluice::persist::ScanJournal(bytes.substr(0, scan.valid_bytes));
  Require(prefix.end == JournalScan::End::kClean && prefix.records.size() == scan.records.size(),
          "the intact prefix scans clean to the same records");
}

void CheckSnapshot(std::string_view bytes) {
  const sluice::persist::SnapshotRead read = sluice::persist::DecodeSnapshot(bytes);
  if (!read.ok) {
    Require(!read.problem.empty(), "a refused snapshot is described");
    return;
  }
  Require(Inside(read.payload, bytes), "the snapshot payload lies inside the bytes");
  Require(sluice::persist::EncodeSnapshot(read.payload) == bytes,
          "a snapshot read as ok is EncodeSnapshot of its payload");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  CheckJournal(bytes);
  CheckSnapshot(bytes);
  return 0;
}
