#include "testserver/certs.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <filesystem>
#include <memory>

namespace mdo::testserver {
namespace {

using KeyPtr = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using CertPtr = std::unique_ptr<X509, decltype(&X509_free)>;

KeyPtr NewKey() { return KeyPtr(EVP_EC_gen("P-256"), &EVP_PKEY_free); }

bool AddExtension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (ext == nullptr) return false;
  bool ok = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

CertPtr MakeCert(EVP_PKEY* key, const char* common_name, X509* issuer, EVP_PKEY* issuer_key,
                 bool is_ca, long serial, const std::string& sans = "") {
  CertPtr cert(X509_new(), &X509_free);
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 10L * 365 * 24 * 3600);
  X509_set_pubkey(cert.get(), key);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(common_name), -1, -1, 0);
  X509* signer = issuer == nullptr ? cert.get() : issuer;
  X509_set_issuer_name(cert.get(), X509_get_subject_name(signer));
  bool ok = true;
  if (is_ca) {
    ok = ok && AddExtension(cert.get(), signer, NID_basic_constraints, "critical,CA:TRUE");
    ok = ok && AddExtension(cert.get(), signer, NID_key_usage,
                            "critical,keyCertSign,cRLSign,digitalSignature");
    ok = ok && AddExtension(cert.get(), signer, NID_subject_key_identifier, "hash");
  } else {
    ok = ok && AddExtension(cert.get(), signer, NID_basic_constraints, "critical,CA:FALSE");
    ok = ok && AddExtension(cert.get(), signer, NID_key_usage,
                            "critical,digitalSignature,keyEncipherment");
    ok = ok && AddExtension(cert.get(), signer, NID_ext_key_usage, "serverAuth");
    ok = ok && AddExtension(cert.get(), signer, NID_subject_alt_name, sans.c_str());
    ok = ok && AddExtension(cert.get(), signer, NID_authority_key_identifier, "keyid:always");
  }
  if (!ok || X509_sign(cert.get(), issuer_key, EVP_sha256()) == 0)
    return CertPtr(nullptr, &X509_free);
  return cert;
}

bool WriteKey(const std::string& path, EVP_PKEY* key) {
  FILE* f = std::fopen(path.c_str(), "w");
  if (f == nullptr) return false;
  bool ok = PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr) == 1;
  std::fclose(f);
  std::filesystem::permissions(
      path, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  return ok;
}

bool WriteCert(const std::string& path, X509* cert) {
  FILE* f = std::fopen(path.c_str(), "w");
  if (f == nullptr) return false;
  bool ok = PEM_write_X509(f, cert) == 1;
  std::fclose(f);
  return ok;
}

}  // namespace

Result<TlsFiles> EnsureTlsFiles(const std::string& dir, const std::string& sans) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Fail("cannot create " + dir + ": " + ec.message());
  std::string abs = std::filesystem::absolute(dir).string();
  TlsFiles files{abs + "/ca.crt", abs + "/ca.key", abs + "/tls.crt", abs + "/tls.key"};

  KeyPtr ca_key(nullptr, &EVP_PKEY_free);
  CertPtr ca_cert(nullptr, &X509_free);
  if (std::filesystem::exists(files.ca_cert) && std::filesystem::exists(files.ca_key)) {
    FILE* kf = std::fopen(files.ca_key.c_str(), "r");
    FILE* cf = std::fopen(files.ca_cert.c_str(), "r");
    if (kf != nullptr) ca_key.reset(PEM_read_PrivateKey(kf, nullptr, nullptr, nullptr));
    if (cf != nullptr) ca_cert.reset(PEM_read_X509(cf, nullptr, nullptr, nullptr));
    if (kf != nullptr) std::fclose(kf);
    if (cf != nullptr) std::fclose(cf);
    if (!ca_key || !ca_cert) return Fail("cannot read the CA in " + dir);
  } else {
    ca_key = NewKey();
    if (!ca_key) return Fail("cannot generate the CA key");
    ca_cert = MakeCert(ca_key.get(), "kube-testserver-ca", nullptr, ca_key.get(), true, 1);
    if (!ca_cert) return Fail("cannot create the CA certificate");
    if (!WriteKey(files.ca_key, ca_key.get()) || !WriteCert(files.ca_cert, ca_cert.get())) {
      return Fail("cannot write the CA to " + dir);
    }
  }
  KeyPtr key = NewKey();
  if (!key) return Fail("cannot generate the serving key");
  CertPtr cert = MakeCert(key.get(), "kube-testserver", ca_cert.get(), ca_key.get(), false,
                          static_cast<long>(std::time(nullptr)), sans);
  if (!cert) return Fail("cannot create the serving certificate (subjectAltName " + sans + ")");
  if (!WriteKey(files.key, key.get()) || !WriteCert(files.cert, cert.get())) {
    return Fail("cannot write the serving certificate to " + dir);
  }
  return files;
}

}  // namespace mdo::testserver
