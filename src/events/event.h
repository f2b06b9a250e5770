// Event: one EventBridge event as sluice publishes it, immutable once made.
//
// The hub (event_hub.h) numbers events and keeps the latest in a ring; readers
// and delivery targets share them by pointer, so an event is rendered once
// however many read it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

namespace sluice::events {

struct Event {
  std::uint64_t sequence = 0;  // per server, from 1, never reused (not even by a reset)
  std::string id;              // a UUID
  std::string detail_type;     // "CodePipeline Pipeline Execution State Change", …
  std::string source;          // "aws.codepipeline"
  std::string account;
  std::string region;
  std::string time;            // ISO-8601 UTC to the second: "2020-01-24T22:03:07Z"
  std::int64_t epoch_seconds = 0;  // the same instant
  std::string resource;        // the pipeline's ARN, the one member of `resources`
  std::string pipeline;        // for filters
  std::string execution_id;    // for filters and per-execution order
  std::string state;           // detail.state, for filters: STARTED, SUCCEEDED, …
  std::string detail;          // JSON text of `detail`
  std::string json;            // JSON text of the whole event, as EventBridge delivers it
};

using EventPtr = std::shared_ptr<const Event>;

}  // namespace sluice::events
