// Certificate generation and inspection with the OpenSSL API; see certificates.h. Moved here from the
// dev server (src/devserver/tls.cpp) so that the operator's webhook uses the same code.
// Thread-safety: pure functions (OpenSSL objects are local to each call).
#include "modelops/common/certificates.h"

#include <cctype>
#include <ctime>
#include <memory>

#include <openssl/asn1.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace modelops::certs {

namespace {
struct OpenSslFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(X509* p) const { X509_free(p); }
  void operator()(BIO* p) const { BIO_free(p); }
};
template <class T>
using OsslPtr = std::unique_ptr<T, OpenSslFree>;

Error certError(const std::string& what) { return Error{"TLSError", "generating TLS material: " + what}; }

bool addExtension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (!ext) return false;
  bool ok = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

struct CertSpec {
  std::string commonName;
  bool isCa = false;
  std::string subjectAltNames;  // OpenSSL config syntax: "DNS:a,IP:1.2.3.4"
  TimePoint notBefore;
  std::chrono::seconds validity{0};
};

void setValidity(X509* cert, TimePoint start, std::chrono::seconds validity) {
  std::time_t t = std::chrono::system_clock::to_time_t(start);
  X509_time_adj_ex(X509_getm_notBefore(cert), 0, -3600, &t);
  long days = static_cast<long>(validity.count() / 86400);
  long seconds = static_cast<long>(validity.count() % 86400);
  X509_time_adj_ex(X509_getm_notAfter(cert), static_cast<int>(days), seconds, &t);
}

OsslPtr<X509> makeCertificate(EVP_PKEY* key, const CertSpec& spec, X509* issuer, EVP_PKEY* issuerKey) {
  OsslPtr<X509> cert(X509_new());
  if (!cert) return nullptr;
  X509_set_version(cert.get(), 2);
  unsigned char serial[16];
  RAND_bytes(serial, sizeof serial);
  serial[0] &= 0x7F;
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
  BN_free(bn);
  setValidity(cert.get(), spec.notBefore, spec.validity);
  X509_set_pubkey(cert.get(), key);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("modelops"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(spec.commonName.c_str()),
                             -1, -1, 0);
  X509* iss = issuer ? issuer : cert.get();
  X509_set_issuer_name(cert.get(), X509_get_subject_name(iss));
  bool ok = true;
  if (spec.isCa) {
    ok = ok && addExtension(cert.get(), iss, NID_basic_constraints, "critical,CA:TRUE");
    ok = ok && addExtension(cert.get(), iss, NID_key_usage, "critical,keyCertSign,cRLSign,digitalSignature");
    ok = ok && addExtension(cert.get(), iss, NID_subject_key_identifier, "hash");
  } else {
    ok = ok && addExtension(cert.get(), iss, NID_basic_constraints, "critical,CA:FALSE");
    ok = ok && addExtension(cert.get(), iss, NID_key_usage, "critical,digitalSignature,keyEncipherment");
    ok = ok && addExtension(cert.get(), iss, NID_ext_key_usage, "serverAuth");
    if (!spec.subjectAltNames.empty())
      ok = ok && addExtension(cert.get(), iss, NID_subject_alt_name, spec.subjectAltNames);
  }
  if (!ok || X509_sign(cert.get(), issuerKey, EVP_sha256()) == 0) return nullptr;
  return cert;
}

std::string bioText(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  return n > 0 ? std::string(data, static_cast<std::size_t>(n)) : std::string();
}

std::string toPem(X509* cert) {
  OsslPtr<BIO> bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(bio.get(), cert);
  return bioText(bio.get());
}

std::string toPem(EVP_PKEY* key) {
  OsslPtr<BIO> bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr);
  return bioText(bio.get());
}

OsslPtr<X509> readCertificate(const std::string& pem) {
  OsslPtr<BIO> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  return OsslPtr<X509>(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
}

OsslPtr<EVP_PKEY> readPrivateKey(const std::string& pem) {
  OsslPtr<BIO> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  return OsslPtr<EVP_PKEY>(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
}

TimePoint toTimePoint(const ASN1_TIME* t) {
  std::tm tm{};
  ASN1_TIME_to_tm(t, &tm);
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}
}  // namespace

Result<KeyPairPem> generateCertificateAuthority(const std::string& commonName, TimePoint now,
                                                std::chrono::seconds validity) {
  OsslPtr<EVP_PKEY> key(EVP_EC_gen("P-256"));
  if (!key) return certError("key generation failed");
  auto ca = makeCertificate(key.get(), {commonName, true, "", now, validity}, nullptr, key.get());
  if (!ca) return certError("CA certificate failed");
  return KeyPairPem{toPem(ca.get()), toPem(key.get())};
}

Result<KeyPairPem> issueServingCertificate(const KeyPairPem& ca, const ServingCertificateRequest& request) {
  auto caCert = readCertificate(ca.certPem);
  auto caKey = readPrivateKey(ca.keyPem);
  if (!caCert || !caKey) return certError("the CA certificate or key is not valid PEM");
  OsslPtr<EVP_PKEY> key(EVP_EC_gen("P-256"));
  if (!key) return certError("key generation failed");
  std::string san;
  for (const auto& dns : request.dnsNames) san += (san.empty() ? "DNS:" : ",DNS:") + dns;
  for (const auto& ip : request.ipAddresses) san += (san.empty() ? "IP:" : ",IP:") + ip;
  CertSpec spec{request.commonName, false, san, request.notBefore, request.validity};
  auto cert = makeCertificate(key.get(), spec, caCert.get(), caKey.get());
  if (!cert) return certError("server certificate failed");
  return KeyPairPem{toPem(cert.get()), toPem(key.get())};
}

Result<CertificateValidity> readCertificateValidity(const std::string& certPem) {
  auto cert = readCertificate(certPem);
  if (!cert) return Error{"InvalidInput", "no PEM certificate found"};
  return CertificateValidity{toTimePoint(X509_get0_notBefore(cert.get())),
                             toTimePoint(X509_get0_notAfter(cert.get()))};
}

bool keyMatchesCertificate(const std::string& certPem, const std::string& keyPem) {
  auto cert = readCertificate(certPem);
  auto key = readPrivateKey(keyPem);
  return cert && key && X509_check_private_key(cert.get(), key.get()) == 1;
}

std::string base64Encode(const std::string& data) {
  std::string out(4 * ((data.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(data.data()), static_cast<int>(data.size()));
  out.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
  return out;
}

Result<std::string> base64Decode(const std::string& text) {
  std::string compact;
  compact.reserve(text.size());
  for (char c : text)
    if (!std::isspace(static_cast<unsigned char>(c))) compact.push_back(c);
  if (compact.size() % 4 != 0) return Error{"InvalidInput", "base64: length is not a multiple of 4"};
  for (char c : compact)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '/' && c != '=')
      return Error{"InvalidInput", "base64: illegal character"};
  std::string out(compact.size() / 4 * 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(compact.data()), static_cast<int>(compact.size()));
  if (n < 0) return Error{"InvalidInput", "base64: cannot decode"};
  std::size_t padding = 0;
  if (!compact.empty() && compact.back() == '=') ++padding;
  if (compact.size() > 1 && compact[compact.size() - 2] == '=') ++padding;
  out.resize(static_cast<std::size_t>(n) - padding);
  return out;
}

}  // namespace modelops::certs
