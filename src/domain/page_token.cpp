#include "domain/page_token.h"
#include "sluice/domain/errors.h"

#include <array>

namespace sluice::domain {

namespace {

constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr std::string_view kPrefix = "sluice1:";

unsigned Byte(char c) { return static_cast<unsigned char>(c); }

std::string Base64Url(std::string_view bytes) {
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const unsigned n = (Byte(bytes[i]) << 16U) | (Byte(bytes[i + 1]) << 8U) | Byte(bytes[i + 2]);
    for (int shift = 18; shift >= 0; shift -= 6) out += kAlphabet[(n >> shift) & 63U];
  }
  const std::size_t rest = bytes.size() - i;
  if (rest > 0) {
    unsigned n = Byte(bytes[i]) << 16U;
    if (rest == 2) n |= Byte(bytes[i + 1]) << 8U;
    out += kAlphabet[(n >> 18U) & 63U];
    out += kAlphabet[(n >> 12U) & 63U];
    if (rest == 2) out += kAlphabet[(n >> 6U) & 63U];
  }
  return out;
}

std::optional<std::string> FromBase64Url(std::string_view text) {
  std::array<int, 256> value{};
  value.fill(-1);
  for (std::size_t i = 0; i < kAlphabet.size(); ++i) {
    value[static_cast<unsigned char>(kAlphabet[i])] = static_cast<int>(i);
  }
  if (text.size() % 4 == 1) return std::nullopt;
  std::string out;
  unsigned buffer = 0;
  int bits = 0;
  for (const char c : text) {
    const int v = value[static_cast<unsigned char>(c)];
    if (v < 0) return std::nullopt;
    buffer = (buffer << 6U) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> static_cast<unsigned>(bits)) & 0xFFU);
    }
  }
  return out;
}

}  // namespace

std::string EncodePageToken(std::string_view last_name) {
  return Base64Url(std::string(kPrefix) + std::string(last_name));
}

std::optional<std::string> DecodePageToken(std::string_view token) {
  auto decoded = FromBase64Url(token);
  if (!decoded || decoded->substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
  return decoded->substr(kPrefix.size());
}

Result<std::string> PageStart(const std::optional<std::string>& next_token,
                              std::string_view member) {
  if (!next_token) return std::string();
  auto decoded = DecodePageToken(*next_token);
  if (!decoded) {
    return InvalidNextToken(member);
  }
  return std::move(*decoded);
}

}  // namespace sluice::domain
