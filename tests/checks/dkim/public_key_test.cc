#include "checks/dkim/public_key.h"

#include <gtest/gtest.h>

#include "checks/dkim/key_record.h"
#include "checks/dkim/test_keys.h"

namespace mdo::checks::dkim {
namespace {

using testing::TestKey;

std::vector<std::uint8_t> Bytes(const std::string& base64) {
  auto bytes = DecodeBase64(base64);
  EXPECT_TRUE(bytes.ok());
  return bytes.ok() ? *bytes : std::vector<std::uint8_t>{};
}

TEST(PublicKeyTest, MeasuresGeneratedRsaKeys) {
  for (int bits : {512, 1024, 2048, 4096}) {
    auto info = DecodePublicKey("rsa", Bytes(TestKey("rsa" + std::to_string(bits) + ".spki.b64")));
    ASSERT_TRUE(info.ok()) << bits << ": " << info.error().message;
    EXPECT_EQ(info->bits, bits);
    EXPECT_EQ(info->encoding, PublicKeyInfo::Encoding::kSubjectPublicKeyInfo);
  }
}

TEST(PublicKeyTest, AcceptsTheRfc6376ExampleKey) {
  auto info = DecodePublicKey("rsa", Bytes(TestKey("rfc6376.spki.b64")));
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_EQ(info->bits, 1024);
}

TEST(PublicKeyTest, AcceptsBarePkcs1RsaKeys) {
  auto info = DecodePublicKey("rsa", Bytes(TestKey("rsa2048.pkcs1.b64")));
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_EQ(info->bits, 2048);
  EXPECT_EQ(info->encoding, PublicKeyInfo::Encoding::kPkcs1);
}

TEST(PublicKeyTest, AcceptsRawEd25519Keys) {
  for (const char* file : {"rfc8463.ed25519.b64", "ed25519.raw.b64"}) {
    auto info = DecodePublicKey("ed25519", Bytes(TestKey(file)));
    ASSERT_TRUE(info.ok()) << file << ": " << info.error().message;
    EXPECT_EQ(info->bits, 256);
    EXPECT_EQ(info->encoding, PublicKeyInfo::Encoding::kRaw);
  }
}

TEST(PublicKeyTest, RejectsEd25519KeysWrappedAsSubjectPublicKeyInfo) {
  auto info = DecodePublicKey("ed25519", Bytes(TestKey("ed25519.spki.b64")));
  ASSERT_FALSE(info.ok());
  EXPECT_NE(info.error().message.find("32 raw"), std::string::npos);
}

TEST(PublicKeyTest, RejectsKeysOfTheWrongType) {
  EXPECT_FALSE(DecodePublicKey("rsa", Bytes(TestKey("rfc8463.ed25519.b64"))).ok());
  EXPECT_FALSE(DecodePublicKey("rsa", Bytes(TestKey("ed25519.spki.b64"))).ok());
  EXPECT_FALSE(DecodePublicKey("ed25519", Bytes(TestKey("rsa1024.spki.b64"))).ok());
  EXPECT_FALSE(DecodePublicKey("dsa", Bytes(TestKey("rsa1024.spki.b64"))).ok());
}

TEST(PublicKeyTest, RejectsGarbageTruncatedAndPaddedKeys) {
  std::vector<std::uint8_t> key = Bytes(TestKey("rsa2048.spki.b64"));
  EXPECT_FALSE(DecodePublicKey("rsa", {}).ok());
  EXPECT_FALSE(DecodePublicKey("rsa", Bytes("QUJDRA==")).ok());
  std::vector<std::uint8_t> truncated(key.begin(), key.end() - 10);
  EXPECT_FALSE(DecodePublicKey("rsa", truncated).ok());
  std::vector<std::uint8_t> padded = key;
  padded.push_back(0);
  EXPECT_FALSE(DecodePublicKey("rsa", padded).ok());
  // A near miss: the untouched key decodes.
  EXPECT_TRUE(DecodePublicKey("rsa", key).ok());
}

TEST(PublicKeyTest, RejectsAnRsaKeyWithAnEvenModulus) {
  std::vector<std::uint8_t> key = Bytes(TestKey("rsa1024.spki.b64"));
  // The modulus ends 4 bytes before the end of the DER (then 02 03 01 00 01 for e=65537).
  ASSERT_GE(key.size(), 6u);
  ASSERT_EQ(key[key.size() - 5], 0x02);
  key[key.size() - 6] &= 0xfe;
  EXPECT_FALSE(DecodePublicKey("rsa", key).ok());
}

// A bare PKCS#1 RSAPublicKey from the two INTEGERs' content octets, as DER.
std::vector<std::uint8_t> Pkcs1(const std::vector<std::uint8_t>& n,
                                const std::vector<std::uint8_t>& e) {
  auto integer = [](const std::vector<std::uint8_t>& v) {
    std::vector<std::uint8_t> out = {0x02};
    if (v.size() < 128) {
      out.push_back(static_cast<std::uint8_t>(v.size()));
    } else {
      out.push_back(0x82);
      out.push_back(static_cast<std::uint8_t>(v.size() >> 8));
      out.push_back(static_cast<std::uint8_t>(v.size() & 0xff));
    }
    out.insert(out.end(), v.begin(), v.end());
    return out;
  };
  std::vector<std::uint8_t> body = integer(n);
  std::vector<std::uint8_t> exponent = integer(e);
  body.insert(body.end(), exponent.begin(), exponent.end());
  std::vector<std::uint8_t> der = {0x30, 0x82, static_cast<std::uint8_t>(body.size() >> 8),
                                   static_cast<std::uint8_t>(body.size() & 0xff)};
  der.insert(der.end(), body.begin(), body.end());
  return der;
}

TEST(PublicKeyTest, ReadsTheRsaIntegersAsDerDefinesThem) {
  // A 1025-bit odd modulus: a leading 0x01 octet, then 128 octets, the last one odd.
  std::vector<std::uint8_t> n(129, 0xab);
  n[0] = 0x01;
  const std::vector<std::uint8_t> e = {0x01, 0x00, 0x01};
  auto info = DecodePublicKey("rsa", Pkcs1(n, e));
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_EQ(info->bits, 1025);

  // With its high bit set, the modulus needs a leading zero octet to stay positive.
  std::vector<std::uint8_t> high(128, 0xab);
  std::vector<std::uint8_t> padded = high;
  padded.insert(padded.begin(), 0x00);
  info = DecodePublicKey("rsa", Pkcs1(padded, e));
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_EQ(info->bits, 1024);
  EXPECT_FALSE(DecodePublicKey("rsa", Pkcs1(high, e)).ok());  // negative
  // A zero octet it does not need is not DER.
  std::vector<std::uint8_t> needless = n;
  needless.insert(needless.begin(), 0x00);
  EXPECT_FALSE(DecodePublicKey("rsa", Pkcs1(needless, e)).ok());

  // The exponent: odd, above 1, below the modulus.
  EXPECT_FALSE(DecodePublicKey("rsa", Pkcs1(n, {0x01})).ok());
  EXPECT_FALSE(DecodePublicKey("rsa", Pkcs1(n, {0x01, 0x00, 0x00})).ok());
  EXPECT_TRUE(DecodePublicKey("rsa", Pkcs1(n, {0x03})).ok());
  std::vector<std::uint8_t> above = n;
  above[0] = 0x02;
  above.back() = 0xad;
  EXPECT_FALSE(DecodePublicKey("rsa", Pkcs1(n, above)).ok());
  EXPECT_FALSE(DecodePublicKey("rsa", Pkcs1(n, n)).ok());

  // A zero modulus, an empty integer, and bytes after the sequence.
  auto zero = DecodePublicKey("rsa", Pkcs1({0x00}, {0x03}));
  ASSERT_FALSE(zero.ok());
  EXPECT_NE(zero.error().message.find("no usable modulus"), std::string::npos);
  EXPECT_FALSE(DecodePublicKey("rsa", Pkcs1({}, e)).ok());
  std::vector<std::uint8_t> trailing = Pkcs1(n, e);
  trailing.push_back(0x00);
  EXPECT_FALSE(DecodePublicKey("rsa", trailing).ok());
}

}  // namespace
}  // namespace mdo::checks::dkim
