// The web console's files (src/console/assets/), compiled into the binary
// by cmake/EmbedAssets.cmake so that the console works with no install and
// no network, in the scratch container too.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>

namespace sluice::console {

struct ConsoleAsset {
  std::string_view name;          // the file's name, e.g. "console.js"
  std::string_view content_type;  // its media type, with the charset for text
  std::string_view bytes;
};

// Every asset, by name.
std::span<const ConsoleAsset> ConsoleAssets();

// The asset called `name`, or null. Only names of the folder match: a path
// with a slash or dots before it names nothing.
inline const ConsoleAsset* FindConsoleAsset(std::string_view name) {
  for (const ConsoleAsset& asset : ConsoleAssets()) {
    if (asset.name == name) return &asset;
  }
  return nullptr;
}

inline std::size_t ConsoleAssetBytes() {
  std::size_t total = 0;
  for (const ConsoleAsset& asset : ConsoleAssets()) total += asset.bytes.size();
  return total;
}

}  // namespace sluice::console
