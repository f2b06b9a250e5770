// StateMarks: where the parts that keep state say what of it changed, so that
// a journal (src/persist/) can write out just that part. Each part calls it
// while it still holds the lock under which it made the change: a journal that
// then reads the part under the same lock sees the change, whoever marked last.
//
// A part without marks (in memory only, tests) is given none: null.
#pragma once

#include <cstdint>
#include <string_view>

namespace sluice {

// The small parts, written out whole when they change.
enum class StateSection : std::uint8_t {
  kActionTypes,
  kWebhooks,
  kOutcomes,
  kFaults,
};

class StateMarks {
 public:
  virtual ~StateMarks() = default;
  // A pipeline's declaration or tags changed (or it went).
  virtual void PipelineChanged(std::string_view account, std::string_view region,
                               std::string_view pipeline) = 0;
  // Something of its executions changed (the engine's RuntimeChange).
  virtual void ExecutionsChanged(std::string_view account, std::string_view region,
                                 std::string_view pipeline) = 0;
  virtual void SectionChanged(StateSection section) = 0;
  // Everything may have changed (a state document was loaded).
  virtual void AllChanged() = 0;
};

}  // namespace sluice
