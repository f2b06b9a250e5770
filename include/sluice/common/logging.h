// Logging: one named spdlog logger per layer, configured once in main().
// Loggers are thread-safe (spdlog's _mt sinks). Never log credentials.
#pragma once

#include <memory>
#include <spdlog/spdlog.h>
#include <string>
#include <string_view>

namespace sluice {

inline constexpr const char* kNetLogger = "net";
inline constexpr const char* kProtocolLogger = "protocol";
inline constexpr const char* kApiLogger = "api";
inline constexpr const char* kEngineLogger = "engine";
inline constexpr const char* kEventsLogger = "events";
inline constexpr const char* kMainLogger = "sluice";
inline constexpr const char* kJournalLogger = "journal";

enum class LogFormat { kText, kJson };

// Creates the loggers, writing to stderr. `level` is an spdlog level name
// (trace, debug, info, warn, error, critical, off).
void SetupLogging(spdlog::level::level_enum level, LogFormat format);

// The logger for a layer; a quiet fallback when SetupLogging was not called
// (unit tests).
std::shared_ptr<spdlog::logger> Logger(const char* name);

}  // namespace sluice
