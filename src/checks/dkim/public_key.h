// Decoding a DKIM public key (the bytes of p=) with OpenSSL to learn its type and size.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace mdo::checks::dkim {

struct PublicKeyInfo {
  enum class Encoding { kSubjectPublicKeyInfo, kPkcs1, kRaw };
  int bits = 0;  // RSA modulus size; 256 for ed25519
  Encoding encoding = Encoding::kSubjectPublicKeyInfo;
};

// The largest RSA modulus verifiers accept (OpenSSL's OPENSSL_RSA_MAX_MODULUS_BITS).
inline constexpr int kMaxRsaBits = 16384;

// `key_type` is k= ("rsa" or "ed25519"). RSA keys are accepted as SubjectPublicKeyInfo (what
// RFC 6376 specifies) or as a bare PKCS#1 RSAPublicKey (published in the wild and accepted by
// common verifiers); ed25519 keys must be the 32 raw bytes RFC 8463 specifies. Every byte must
// belong to the key. Errors name what is wrong in one sentence.
Result<PublicKeyInfo> DecodePublicKey(std::string_view key_type,
                                      const std::vector<std::uint8_t>& bytes);

}  // namespace mdo::checks::dkim
