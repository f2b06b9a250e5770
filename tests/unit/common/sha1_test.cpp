// Sha1 and HmacSha1 against the published vectors: FIPS 180 / NIST for the
// hash, RFC 2202 for the HMAC.
#include "sluice/common/sha1.h"

#include <gtest/gtest.h>

#include <string>

#include "sluice/common/sha256.h"

namespace sluice {
namespace {

// FIPS 180-2 appendix A and the NIST example values.
TEST(Sha1Test, MatchesTheNistVectors) {
  struct Case {
    std::string message;
    const char* digest;
  };
  const Case cases[] = {
      {"", "da39a3ee5e6b4b0d3255bfef95601890afd80709"},
      {"abc", "a9993e364706816aba3e25717850c26c9cd0d89d"},
      {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
       "84983e441c3bd26ebaae4aa1f95129e5e54670f1"},
      {std::string(1'000'000, 'a'), "34aa973cd4c4daa4f61eeb2bdbad27316534016f"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(HexLower(Sha1(c.message)), c.digest) << c.message.substr(0, 60);
  }
}

// Lengths around the 56-byte padding edge and the 64-byte block, where a
// padding mistake would show; digests from Python's hashlib.
TEST(Sha1Test, PadsAtTheBlockEdges) {
  struct Case {
    std::size_t length;
    const char* digest;
  };
  const Case cases[] = {
      {55, "c1c8bbdc22796e28c0e15163d20899b65621d65a"},
      {56, "c2db330f6083854c99d4b5bfb6e8f29f201be699"},
      {63, "03f09f5b158a7a8cdad920bddc29b81c18a551f5"},
      {64, "0098ba824b5c16427bd7a1122a5a442a25ec644d"},
      {65, "11655326c708d70319be2610e8a57d9a5b959d3b"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(HexLower(Sha1(std::string(c.length, 'a'))), c.digest) << c.length << " bytes";
  }
}

TEST(Sha1Test, DigestIsTwentyRawBytes) {
  EXPECT_EQ(Sha1("abc").size(), kSha1DigestBytes);
  EXPECT_EQ(HmacSha1("key", "abc").size(), kSha1DigestBytes);
}

// RFC 2202 section 3, all seven cases (6 and 7 with an 80-byte key, longer
// than the block, which HMAC hashes first).
TEST(HmacSha1Test, MatchesRfc2202) {
  struct Case {
    const char* name;
    std::string key;
    std::string data;
    const char* mac;
  };
  std::string counting_key;
  for (char c = 1; c <= 25; ++c) counting_key.push_back(c);
  const std::string long_key(80, '\xaa');
  const Case cases[] = {
      {"case 1", std::string(20, '\x0b'), "Hi There",
       "b617318655057264e28bc0b6fb378c8ef146be00"},
      {"case 2", "Jefe", "what do ya want for nothing?",
       "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"},
      {"case 3", std::string(20, '\xaa'), std::string(50, '\xdd'),
       "125d7342b9ac11cd91a39af48aa17b4f63f175d3"},
      {"case 4", counting_key, std::string(50, '\xcd'),
       "4c9007f4026250c6bc8414f9bf50c86c2d7235da"},
      {"case 5", std::string(20, '\x0c'), "Test With Truncation",
       "4c1a03424b55e07fe7f27be1d58bb9324a9a5a04"},
      {"case 6", long_key, "Test Using Larger Than Block-Size Key - Hash Key First",
       "aa4ae5e15272d00e95705637ce8a3b55ed402112"},
      {"case 7", long_key,
       "Test Using Larger Than Block-Size Key and Larger Than One Block-Size Data",
       "e8e99d0f45237d786d6bbaa7965c7808bbff1a91"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(HexLower(HmacSha1(c.key, c.data)), c.mac) << c.name;
  }
}

// GitHub's sample secret and payload (docs: "Validating webhook deliveries"),
// signed the legacy way, as the X-Hub-Signature header carries it.
TEST(HmacSha1Test, SignsGithubsSamplePayload) {
  EXPECT_EQ(HexLower(HmacSha1("It's a Secret to Everybody", "Hello, World!")),
            "01dc10d0c83e72ed246219cdd91669667fe2ca59");
}

}  // namespace
}  // namespace sluice
