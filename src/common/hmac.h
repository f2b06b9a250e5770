// HMAC (RFC 2104) over any of common/'s hashers, for sha1.cpp and
// sha256.cpp: the construction is the same whatever the hash, so it is
// written once. A Hasher has Update(std::string_view) any number of times,
// then Finish() once, answering the raw digest.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace sluice::hmac {

template <typename Hasher>
std::string Digest(std::string_view data) {
  Hasher hasher;
  hasher.Update(data);
  return hasher.Finish();
}

// `block_bytes`: the hash's block size (64 for SHA-1 and SHA-256); a longer
// key is hashed first.
template <typename Hasher>
std::string Hmac(std::string_view key, std::string_view data, std::size_t block_bytes) {
  std::string block_key = key.size() > block_bytes ? Digest<Hasher>(key) : std::string(key);
  block_key.resize(block_bytes, '\0');
  std::string inner_pad(block_bytes, '\0');
  std::string outer_pad(block_bytes, '\0');
  for (std::size_t i = 0; i < block_bytes; ++i) {
    inner_pad[i] = static_cast<char>(block_key[i] ^ 0x36);
    outer_pad[i] = static_cast<char>(block_key[i] ^ 0x5c);
  }
  Hasher inner;
  inner.Update(inner_pad);
  inner.Update(data);
  Hasher outer;
  outer.Update(outer_pad);
  outer.Update(inner.Finish());
  return outer.Finish();
}

}  // namespace sluice::hmac
