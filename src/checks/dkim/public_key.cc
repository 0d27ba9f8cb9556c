#include "checks/dkim/public_key.h"

#include <openssl/evp.h>

#include <algorithm>
#include <bit>
#include <memory>
#include <optional>
#include <span>
#include <string>

namespace mdo::checks::dkim {

namespace {

using Bytes = std::span<const std::uint8_t>;

struct PkeyDeleter {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyDeleter>;

// Reads one DER element with `tag` from the front of `in` into `value`.
bool ReadDer(Bytes& in, std::uint8_t tag, Bytes& value) {
  if (in.size() < 2 || in[0] != tag) return false;
  std::size_t length = in[1];
  std::size_t header = 2;
  if (length & 0x80) {
    const std::size_t octets = length & 0x7f;
    if (octets == 0 || octets > 3 || in.size() < 2 + octets) return false;
    length = 0;
    for (std::size_t i = 0; i < octets; ++i) length = (length << 8) | in[2 + i];
    header += octets;
  }
  if (in.size() - header < length) return false;
  value = in.subspan(header, length);
  in = in.subspan(header + length);
  return true;
}

struct Spki {
  Bytes algorithm;  // the OID's content octets
  Bytes key;        // the BIT STRING's content without its unused-bits octet
};

// SubjectPublicKeyInfo ::= SEQUENCE { SEQUENCE { OID, params OPTIONAL }, BIT STRING }, using
// every byte. Unwrapped by hand: OpenSSL 3's generic d2i_PUBKEY costs ~0.5 ms per key (it
// tries every decoder), ten times the RSA key itself, which matters across a fleet.
std::optional<Spki> UnwrapSpki(Bytes der) {
  Bytes outer, algorithm_id, oid, bits;
  if (!ReadDer(der, 0x30, outer) || !der.empty()) return std::nullopt;
  if (!ReadDer(outer, 0x30, algorithm_id) || !ReadDer(algorithm_id, 0x06, oid)) {
    return std::nullopt;
  }
  if (!ReadDer(outer, 0x03, bits) || !outer.empty() || bits.empty() || bits[0] != 0) {
    return std::nullopt;
  }
  return Spki{oid, bits.subspan(1)};
}

bool IsOid(Bytes oid, std::initializer_list<std::uint8_t> expected) {
  return oid.size() == expected.size() && std::equal(oid.begin(), oid.end(), expected.begin());
}
// 1.2.840.113549.1.1.1 and 1.3.101.112.
bool IsRsaEncryption(Bytes oid) {
  return IsOid(oid, {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01});
}
bool IsEd25519(Bytes oid) { return IsOid(oid, {0x2b, 0x65, 0x70}); }

// A DER INTEGER's content as an unsigned big-endian number without its leading zero octet, or
// nullopt when it is negative or not minimally encoded (as OpenSSL rejects them).
std::optional<Bytes> UnsignedInteger(Bytes content) {
  if (content.empty() || (content[0] & 0x80) != 0) return std::nullopt;
  if (content[0] == 0 && content.size() > 1) {
    if ((content[1] & 0x80) == 0) return std::nullopt;  // a padding zero it did not need
    content = content.subspan(1);
  }
  return content;
}

std::size_t BitLength(Bytes number) {
  std::size_t i = 0;
  while (i < number.size() && number[i] == 0) ++i;
  if (i == number.size()) return 0;
  return (number.size() - i - 1) * 8 + static_cast<std::size_t>(std::bit_width(number[i]));
}

// a < b, both minimal unsigned big-endian.
bool Less(Bytes a, Bytes b) {
  if (a.size() != b.size()) return a.size() < b.size();
  return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end());
}

struct RsaNumbers {
  Bytes modulus;
  Bytes exponent;
};

// PKCS#1 RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }, using every
// byte. Read by hand: decoding it through OpenSSL 3 (d2i_PublicKey, then the numbers back out
// of the provider) cost ~40 us per key, most of a DKIM check.
std::optional<RsaNumbers> ParseRsaPublicKey(Bytes bytes) {
  Bytes sequence, modulus, exponent;
  if (!ReadDer(bytes, 0x30, sequence) || !bytes.empty()) return std::nullopt;
  if (!ReadDer(sequence, 0x02, modulus) || !ReadDer(sequence, 0x02, exponent) ||
      !sequence.empty()) {
    return std::nullopt;
  }
  std::optional<Bytes> n = UnsignedInteger(modulus);
  std::optional<Bytes> e = UnsignedInteger(exponent);
  if (!n || !e) return std::nullopt;
  return RsaNumbers{*n, *e};
}

// Cheap sanity checks a verifier relies on: an odd modulus and an odd exponent above 1 and
// below the modulus. (OpenSSL's EVP_PKEY_public_check would also run SP 800-56B's primality
// test on the modulus: 20 ms per 2048-bit key, 90 ms at 4096, too slow for a fleet and of no
// use to a DNS publisher.)
bool HasSaneRsaNumbers(const RsaNumbers& key) {
  return (key.modulus.back() & 1) != 0 && (key.exponent.back() & 1) != 0 &&
         BitLength(key.exponent) > 1 && Less(key.exponent, key.modulus);
}

}  // namespace

Result<PublicKeyInfo> DecodePublicKey(std::string_view key_type,
                                      const std::vector<std::uint8_t>& bytes) {
  if (bytes.empty()) return Fail("the key is empty");
  PublicKeyInfo info;
  const std::optional<Spki> spki = UnwrapSpki(bytes);
  if (key_type == "ed25519") {
    if (bytes.size() != 32) {
      if (spki && IsEd25519(spki->algorithm)) {
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

  std::optional<RsaNumbers> key;
  if (spki) {
    if (!IsRsaEncryption(spki->algorithm)) return Fail("k=rsa but the key is not an RSA key");
    key = ParseRsaPublicKey(spki->key);
    if (!key) return Fail("the RSA SubjectPublicKeyInfo holds no valid RSA key");
  } else {
    key = ParseRsaPublicKey(bytes);
    if (!key) return Fail("the key is neither an RSA SubjectPublicKeyInfo nor a PKCS#1 RSA key");
    info.encoding = PublicKeyInfo::Encoding::kPkcs1;
  }
  info.bits = static_cast<int>(BitLength(key->modulus));
  if (info.bits <= 0) return Fail("the RSA key has no usable modulus");
  if (info.bits > kMaxRsaBits) {
    return Fail("the RSA key has " + std::to_string(info.bits) +
                " bits, more than verifiers accept (" + std::to_string(kMaxRsaBits) + ")");
  }
  if (!HasSaneRsaNumbers(*key)) {
    return Fail("the RSA key's modulus or exponent is malformed (even, or exponent 1)");
  }
  return info;
}

}  // namespace mdo::checks::dkim
