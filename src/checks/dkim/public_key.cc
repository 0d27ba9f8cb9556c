#include "checks/dkim/public_key.h"

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <memory>
#include <string>

namespace mdo::checks::dkim {

namespace {

struct PkeyDeleter {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyDeleter>;

struct PkeyCtxDeleter {
  void operator()(EVP_PKEY_CTX* ctx) const { EVP_PKEY_CTX_free(ctx); }
};

// A SubjectPublicKeyInfo that uses every byte, or null.
PkeyPtr ParseSpki(const std::vector<std::uint8_t>& bytes) {
  const unsigned char* p = bytes.data();
  PkeyPtr key(d2i_PUBKEY(nullptr, &p, static_cast<long>(bytes.size())));
  if (key && p != bytes.data() + bytes.size()) key.reset();
  return key;
}

// A bare PKCS#1 RSAPublicKey that uses every byte, or null.
PkeyPtr ParsePkcs1(const std::vector<std::uint8_t>& bytes) {
  const unsigned char* p = bytes.data();
  PkeyPtr key(d2i_PublicKey(EVP_PKEY_RSA, nullptr, &p, static_cast<long>(bytes.size())));
  if (key && p != bytes.data() + bytes.size()) key.reset();
  return key;
}

// OpenSSL's public-key sanity checks (for RSA: odd modulus, odd exponent > 1, no small factors).
bool PassesPublicCheck(EVP_PKEY* key) {
  std::unique_ptr<EVP_PKEY_CTX, PkeyCtxDeleter> ctx(
      EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr));
  return ctx && EVP_PKEY_public_check(ctx.get()) == 1;
}

}  // namespace

Result<PublicKeyInfo> DecodePublicKey(std::string_view key_type,
                                      const std::vector<std::uint8_t>& bytes) {
  if (bytes.empty()) return Fail("the key is empty");
  PublicKeyInfo info;
  if (key_type == "ed25519") {
    if (bytes.size() != 32) {
      PkeyPtr spki = ParseSpki(bytes);
      if (spki && EVP_PKEY_get_base_id(spki.get()) == EVP_PKEY_ED25519) {
        return Fail(
            "the ed25519 key is published as a SubjectPublicKeyInfo; RFC 8463 requires the 32 "
            "raw key bytes");
      }
      return Fail("an ed25519 key must be 32 bytes, this one has " + std::to_string(bytes.size()));
    }
    PkeyPtr key(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, bytes.data(), bytes.size()));
    if (!key) return Fail("the ed25519 key is not a valid public key");
    info.bits = 256;
    info.encoding = PublicKeyInfo::Encoding::kRaw;
    return info;
  }
  if (key_type != "rsa") return Fail("unsupported key type \"" + std::string(key_type) + "\"");

  PkeyPtr key = ParseSpki(bytes);
  if (key) {
    if (EVP_PKEY_get_base_id(key.get()) != EVP_PKEY_RSA) {
      return Fail("k=rsa but the key is not an RSA key");
    }
  } else {
    key = ParsePkcs1(bytes);
    if (!key) return Fail("the key is neither an RSA SubjectPublicKeyInfo nor a PKCS#1 RSA key");
    info.encoding = PublicKeyInfo::Encoding::kPkcs1;
  }
  info.bits = EVP_PKEY_get_bits(key.get());
  if (info.bits <= 0) return Fail("the RSA key has no usable modulus");
  if (info.bits > kMaxRsaBits) {
    return Fail("the RSA key has " + std::to_string(info.bits) +
                " bits, more than verifiers accept (" + std::to_string(kMaxRsaBits) + ")");
  }
  if (!PassesPublicCheck(key.get())) return Fail("the RSA key fails OpenSSL's public-key checks");
  return info;
}

}  // namespace mdo::checks::dkim
