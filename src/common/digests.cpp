// SHA-1, SHA-256 and their HMACs (sha1.h, sha256.h), all computed by
// OpenSSL's libcrypto: one file, since they share how they call it.
//
// These use libcrypto's SHA1_* and SHA256_* functions, which OpenSSL 3
// deprecates in favour of EVP_Digest*: the EVP calls cost about 0.1 µs more
// per digest in their setup and cleanup, and a --auth strict check makes
// five digests of a few blocks each. The old functions remain in OpenSSL 3;
// HmacSha256Key also needs their context to be a plain struct it can copy.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>

#include <algorithm>
#include <cstring>

#include "sluice/common/sha1.h"
#include "sluice/common/sha256.h"

namespace sluice {

namespace {

constexpr std::size_t kBlockBytes = 64;  // both SHA-1's and SHA-256's

unsigned char* Bytes(std::string& text) { return reinterpret_cast<unsigned char*>(text.data()); }

// The two functions of one algorithm the HMAC below needs.
struct Sha256Algorithm {
  using Context = SHA256_CTX;
  static constexpr std::size_t kDigestBytes = kSha256DigestBytes;
  static void Init(Context& c) { SHA256_Init(&c); }
  static void Update(Context& c, std::string_view data) { SHA256_Update(&c, data.data(), data.size()); }
  static void Final(Context& c, unsigned char* out) { SHA256_Final(out, &c); }
};

struct Sha1Algorithm {
  using Context = SHA_CTX;
  static constexpr std::size_t kDigestBytes = kSha1DigestBytes;
  static void Init(Context& c) { SHA1_Init(&c); }
  static void Update(Context& c, std::string_view data) { SHA1_Update(&c, data.data(), data.size()); }
  static void Final(Context& c, unsigned char* out) { SHA1_Final(out, &c); }
};

template <typename Algorithm>
std::string Finish(typename Algorithm::Context& context) {
  std::string digest(Algorithm::kDigestBytes, '\0');
  Algorithm::Final(context, Bytes(digest));
  return digest;
}

template <typename Algorithm>
std::string Digest(std::string_view data) {
  typename Algorithm::Context context;
  Algorithm::Init(context);
  Algorithm::Update(context, data);
  return Finish<Algorithm>(context);
}

// RFC 2104: the contexts after hashing (K ^ ipad) and (K ^ opad), a key
// longer than the block hashed first.
template <typename Algorithm>
void PadKey(std::string_view key, typename Algorithm::Context& inner,
            typename Algorithm::Context& outer) {
  std::string short_key;
  if (key.size() > kBlockBytes) {
    short_key = Digest<Algorithm>(key);
    key = short_key;
  }
  std::array<char, kBlockBytes> inner_pad;
  std::array<char, kBlockBytes> outer_pad;
  inner_pad.fill('\x36');
  outer_pad.fill('\x5c');
  for (std::size_t i = 0; i < key.size(); ++i) {
    inner_pad[i] = static_cast<char>(inner_pad[i] ^ key[i]);
    outer_pad[i] = static_cast<char>(outer_pad[i] ^ key[i]);
  }
  Algorithm::Init(inner);
  Algorithm::Update(inner, std::string_view(inner_pad.data(), inner_pad.size()));
  Algorithm::Init(outer);
  Algorithm::Update(outer, std::string_view(outer_pad.data(), outer_pad.size()));
}

// H((K ^ opad) || H((K ^ ipad) || data)), from the padded contexts (copies).
template <typename Algorithm>
std::string MacFrom(typename Algorithm::Context inner, typename Algorithm::Context outer,
                    std::string_view data) {
  Algorithm::Update(inner, data);
  const std::string inner_digest = Finish<Algorithm>(inner);
  Algorithm::Update(outer, inner_digest);
  return Finish<Algorithm>(outer);
}

template <typename Algorithm>
std::string Mac(std::string_view key, std::string_view data) {
  typename Algorithm::Context inner;
  typename Algorithm::Context outer;
  PadKey<Algorithm>(key, inner, outer);
  return MacFrom<Algorithm>(inner, outer, data);
}

}  // namespace

std::string Sha256(std::string_view data) { return Digest<Sha256Algorithm>(data); }

Sha256Bytes Sha256Raw(std::string_view data) {
  Sha256Bytes digest;
  SHA256_CTX context;
  SHA256_Init(&context);
  SHA256_Update(&context, data.data(), data.size());
  SHA256_Final(digest.data(), &context);
  return digest;
}

std::string HmacSha256(std::string_view key, std::string_view data) {
  return Mac<Sha256Algorithm>(key, data);
}

HmacSha256Key::HmacSha256Key(std::string_view key) {
  static_assert(sizeof(SHA256_CTX) == kStateBytes && alignof(SHA256_CTX) <= 8,
                "HmacSha256Key's state bytes must hold exactly one SHA256_CTX");
  SHA256_CTX inner;
  SHA256_CTX outer;
  PadKey<Sha256Algorithm>(key, inner, outer);
  std::memcpy(inner_.data(), &inner, sizeof inner);
  std::memcpy(outer_.data(), &outer, sizeof outer);
}

std::string HmacSha256Key::Sign(std::string_view data) const {
  const Sha256Bytes mac = SignRaw(data);
  return std::string(reinterpret_cast<const char*>(mac.data()), mac.size());
}

Sha256Bytes HmacSha256Key::SignRaw(std::string_view data) const {
  SHA256_CTX inner;
  SHA256_CTX outer;
  std::memcpy(&inner, inner_.data(), sizeof inner);
  std::memcpy(&outer, outer_.data(), sizeof outer);
  Sha256Bytes digest;
  SHA256_Update(&inner, data.data(), data.size());
  SHA256_Final(digest.data(), &inner);
  SHA256_Update(&outer, digest.data(), digest.size());
  SHA256_Final(digest.data(), &outer);
  return digest;
}

std::string Sha1(std::string_view data) { return Digest<Sha1Algorithm>(data); }

std::string HmacSha1(std::string_view key, std::string_view data) {
  return Mac<Sha1Algorithm>(key, data);
}

std::string HexLower(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex(bytes.size() * 2, '\0');
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    const auto byte = static_cast<unsigned char>(bytes[i]);
    hex[2 * i] = kDigits[byte >> 4];
    hex[2 * i + 1] = kDigits[byte & 0x0f];
  }
  return hex;
}

void AppendHexLower(std::string& out, const Sha256Bytes& bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  for (const unsigned char byte : bytes) {
    const char pair[2] = {kDigits[byte >> 4], kDigits[byte & 0x0f]};
    out.append(pair, 2);
  }
}

int HexDigitValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace sluice
