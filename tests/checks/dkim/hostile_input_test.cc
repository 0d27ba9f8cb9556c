// Hostile TXT records (anyone can publish anything) never crash the DKIM parsers or key decoder.
// Deterministic pseudo-random inputs built from record-like fragments and raw bytes.
#include <gtest/gtest.h>

#include <random>

#include "checks/dkim/dkim_check.h"
#include "checks/dkim/key_record.h"
#include "checks/dkim/public_key.h"
#include "checks/dkim/test_keys.h"

namespace mdo::checks::dkim {
namespace {

std::string RandomRecord(std::mt19937& rng, const std::string& key) {
  static const char* kFragments[] = {
      "v=DKIM1", ";",   " ",   "k=rsa", "k=ed25519", "p=", "h=sha1", ":",
      "=",       "t=y", "s=*", "\t",    "\r\n",      "==", "/+",     "x"};
  std::string out;
  std::uniform_int_distribution<int> count(0, 30);
  std::uniform_int_distribution<int> pick(0, 17);
  std::uniform_int_distribution<int> byte(0, 255);
  for (int i = count(rng); i > 0; --i) {
    int p = pick(rng);
    if (p == 16) {
      out += static_cast<char>(byte(rng));
    } else if (p == 17) {
      std::uniform_int_distribution<std::size_t> cut(0, key.size());
      out += key.substr(0, cut(rng));
    } else {
      out += kFragments[p];
    }
  }
  return out;
}

TEST(DkimHostileInputTest, RandomRecordsNeverCrashTheParserOrTheCheck) {
  std::mt19937 rng(20261128);
  const std::string key = testing::TestKey("rsa1024.spki.b64");
  int parsed = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string record = RandomRecord(rng, key);
    auto r = ParseKeyRecord(record);
    if (r.ok()) {
      ++parsed;
      (void)DecodePublicKey(r->key_type, r->public_key);
    } else {
      EXPECT_LE(r.error().position, record.size()) << record;
    }
    (void)LooksLikeKeyRecord(record);
    DkimSelectorResult result;
    result.selector = "s1";
    JudgeKeyRecord(record, {}, result);
    EXPECT_FALSE(result.findings.empty() && result.key_bits == 0) << record;
  }
  EXPECT_GT(parsed, 0);  // the generator reaches the decoder, not only the error paths
}

TEST(DkimHostileInputTest, RandomDerBytesNeverCrashTheDecoder) {
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> byte(0, 255);
  auto valid = DecodeBase64(testing::TestKey("rsa2048.spki.b64"));
  ASSERT_TRUE(valid.ok());
  for (int i = 0; i < 3000; ++i) {
    std::vector<std::uint8_t> bytes = *valid;
    // Flip a few bytes of a real key (reaches deep into the DER parser) or truncate it.
    for (int flips = i % 4 + 1; flips > 0; --flips) {
      bytes[static_cast<std::size_t>(byte(rng)) % bytes.size()] =
          static_cast<std::uint8_t>(byte(rng));
    }
    if (i % 5 == 0) bytes.resize(static_cast<std::size_t>(byte(rng)) % bytes.size());
    auto info = DecodePublicKey(i % 2 ? "rsa" : "ed25519", bytes);
    if (info.ok()) {
      EXPECT_GT(info->bits, 0);
    } else {
      EXPECT_FALSE(info.error().message.empty());
    }
  }
}

}  // namespace
}  // namespace mdo::checks::dkim
