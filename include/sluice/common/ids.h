// Random identifiers. Thread-safe: each thread has its own generator.
#pragma once

#include <string>

namespace sluice {

// A random (version 4) UUID in its canonical lower-case form.
std::string RandomUuid();

}  // namespace sluice
