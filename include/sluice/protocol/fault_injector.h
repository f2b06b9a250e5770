// FaultInjector: the port through which a test makes the AWS wire misbehave
// (POST /_sluice/faults): an operation answers an error instead of running
// ("before"), or runs and has its answer replaced ("after"), and/or answers
// late. The router asks once per AWS call, after it knows the operation and
// the caller's scope. Implementations are thread-safe.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace sluice::protocol {

struct WireFault {
  std::string type;  // the __type, e.g. ThrottlingException
  unsigned status = 400;
  std::string message;
};

struct InjectedFault {
  bool after = false;  // the call runs first; its answer is replaced
  std::optional<WireFault> error;
  std::chrono::milliseconds latency{0};
};

class FaultInjector {
 public:
  virtual ~FaultInjector() = default;
  virtual std::optional<InjectedFault> Draw(std::string_view operation, std::string_view account,
                                            std::string_view region) = 0;
};

}  // namespace sluice::protocol
