#include "sluice/common/sha256.h"

#include <gtest/gtest.h>

#include <string>

namespace sluice {
namespace {

// FIPS 180-2 appendix B and the NIST example values.
TEST(Sha256Test, MatchesTheNistVectors) {
  struct Case {
    std::string message;
    const char* digest;
  };
  const Case cases[] = {
      {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
      {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
      {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
      {std::string(1'000'000, 'a'),
       "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(HexLower(Sha256(c.message)), c.digest) << c.message.substr(0, 60);
  }
}

TEST(HmacSha256KeyTest, SignsAsHmacSha256DoesForEveryKeyLength) {
  // Keys shorter than, as long as and longer than the 64-byte block, and
  // messages that straddle the block and the 56-byte padding edge.
  std::string message;
  for (int i = 0; i < 300; ++i) message.push_back(static_cast<char>('a' + i % 26));
  for (const std::size_t key_length : {0u, 1u, 32u, 63u, 64u, 65u, 131u}) {
    const std::string key(key_length, '\x0b');
    const HmacSha256Key prepared(key);
    for (const std::size_t length : {0u, 1u, 55u, 56u, 64u, 65u, 300u}) {
      const std::string_view data = std::string_view(message).substr(0, length);
      EXPECT_EQ(prepared.Sign(data), HmacSha256(key, data)) << key_length << "/" << length;
    }
    // Signing leaves the prepared key as it was.
    EXPECT_EQ(prepared.Sign("abc"), HmacSha256(key, "abc"));
  }
}

TEST(Sha256Test, DigestIsThirtyTwoRawBytes) {
  EXPECT_EQ(Sha256("abc").size(), kSha256DigestBytes);
  EXPECT_EQ(HmacSha256("key", "abc").size(), kSha256DigestBytes);
}

// RFC 4231 section 4: test cases 1, 2, 6 and 7 (6 and 7 with a 131-byte key,
// longer than the block, which HMAC hashes first).
TEST(HmacSha256Test, MatchesRfc4231) {
  struct Case {
    const char* name;
    std::string key;
    std::string data;
    const char* mac;
  };
  const std::string long_key(131, '\xaa');
  const Case cases[] = {
      {"case 1", std::string(20, '\x0b'), "Hi There",
       "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
      {"case 2", "Jefe", "what do ya want for nothing?",
       "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
      {"case 6", long_key, "Test Using Larger Than Block-Size Key - Hash Key First",
       "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
      {"case 7", long_key,
       "This is a test using a larger than block-size key and a larger than block-size data. "
       "The key needs to be hashed before being used by the HMAC algorithm.",
       "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(HexLower(HmacSha256(c.key, c.data)), c.mac) << c.name;
  }
}

TEST(HexLowerTest, WritesTwoLowercaseDigitsPerByte) {
  EXPECT_EQ(HexLower(std::string("\x00\x0f\xa0\xff", 4)), "000fa0ff");
  EXPECT_EQ(HexLower(""), "");
}

}  // namespace
}  // namespace sluice
