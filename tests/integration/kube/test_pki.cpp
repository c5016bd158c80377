// Test PKI generation with the OpenSSL C API; see test_pki.h.
// Thread-safety: makeTestPki may run concurrently; results are independent.
#include "integration/kube/test_pki.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <stdexcept>

namespace modelops::kube::testing {
namespace {

void check(bool ok, const char* what) {
  if (!ok) {
    ERR_print_errors_fp(stderr);
    throw std::runtime_error(std::string("test PKI: ") + what);
  }
}

std::string bioString(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<std::size_t>(n));
  BIO_free(bio);
  return out;
}

void addExtension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  check(ext != nullptr, "extension");
  check(X509_add_ext(cert, ext, -1) == 1, "add extension");
  X509_EXTENSION_free(ext);
}

// Issues a certificate for a new key; issuer == nullptr makes it self-signed.
void issue(CertAndKey& out, const CertAndKey* issuer, const char* commonName, bool isCa, const char* extendedUsage,
           const char* subjectAltNames) {
  static long serial = 1000;
  out.key = EVP_EC_gen("P-256");
  check(out.key != nullptr, "key generation");
  out.cert = X509_new();
  check(out.cert != nullptr, "X509_new");
  X509_set_version(out.cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(out.cert), __atomic_add_fetch(&serial, 1, __ATOMIC_SEQ_CST));
  X509_gmtime_adj(X509_getm_notBefore(out.cert), -3600);
  X509_gmtime_adj(X509_getm_notAfter(out.cert), 7 * 24 * 3600);
  X509_set_pubkey(out.cert, out.key);
  X509_NAME* name = X509_get_subject_name(out.cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(commonName), -1, -1, 0);
  X509* issuerCert = issuer ? issuer->cert : out.cert;
  X509_set_issuer_name(out.cert, X509_get_subject_name(issuerCert));
  addExtension(out.cert, issuerCert, NID_basic_constraints, isCa ? "critical,CA:TRUE" : "critical,CA:FALSE");
  addExtension(out.cert, issuerCert, NID_key_usage,
               isCa ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature,keyEncipherment");
  addExtension(out.cert, issuerCert, NID_subject_key_identifier, "hash");
  if (issuer) addExtension(out.cert, issuerCert, NID_authority_key_identifier, "keyid:always");
  if (extendedUsage) addExtension(out.cert, issuerCert, NID_ext_key_usage, extendedUsage);
  if (subjectAltNames) addExtension(out.cert, issuerCert, NID_subject_alt_name, subjectAltNames);
  check(X509_sign(out.cert, issuer ? issuer->key : out.key, EVP_sha256()) > 0, "sign");
}

}  // namespace

CertAndKey::~CertAndKey() {
  if (cert) X509_free(cert);
  if (key) EVP_PKEY_free(key);
}

std::string CertAndKey::certPem() const {
  BIO* bio = BIO_new(BIO_s_mem());
  check(PEM_write_bio_X509(bio, cert) == 1, "write certificate");
  return bioString(bio);
}

std::string CertAndKey::keyPem() const {
  BIO* bio = BIO_new(BIO_s_mem());
  check(PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr) == 1, "write key");
  return bioString(bio);
}

std::unique_ptr<TestPki> makeTestPki() {
  auto pki = std::make_unique<TestPki>();
  issue(pki->ca, nullptr, "modelops test CA", true, nullptr, nullptr);
  issue(pki->server, &pki->ca, "kube.test", false, "serverAuth", "IP:127.0.0.1,DNS:kube.test");
  issue(pki->client, &pki->ca, "modelops-test-client", false, "clientAuth", nullptr);
  issue(pki->otherCa, nullptr, "unrelated test CA", true, nullptr, nullptr);
  issue(pki->otherServer, &pki->otherCa, "kube.test", false, "serverAuth", "IP:127.0.0.1,DNS:kube.test");
  return pki;
}

X509_STORE* storeTrusting(const CertAndKey& ca) {
  X509_STORE* store = X509_STORE_new();
  check(store != nullptr && X509_STORE_add_cert(store, ca.cert) == 1, "store");
  return store;
}

std::string base64(const std::string& data) {
  std::string out(4 * ((data.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(data.data()), static_cast<int>(data.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

}  // namespace modelops::kube::testing
