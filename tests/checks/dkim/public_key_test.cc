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

}  // namespace
}  // namespace mdo::checks::dkim
