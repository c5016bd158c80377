// Certificate generation and kubeconfig writing; see tls.h.
// Thread-safety: pure functions (OpenSSL objects are local to each call).
#include "tls.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <memory>

#include <nlohmann/json.hpp>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace modelops::devserver {

namespace {
struct Free {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(X509* p) const { X509_free(p); }
  void operator()(BIO* p) const { BIO_free(p); }
};
template <class T>
using Ptr = std::unique_ptr<T, Free>;

Error tlsError(const std::string& what) { return Error{"TLSError", "generating TLS material: " + what}; }

bool addExt(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (!ext) return false;
  bool ok = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

Ptr<X509> makeCert(EVP_PKEY* key, const std::string& cn, X509* issuer, EVP_PKEY* issuerKey, bool isCa,
                   const std::string& san) {
  Ptr<X509> cert(X509_new());
  if (!cert) return nullptr;
  X509_set_version(cert.get(), 2);
  unsigned char serial[16];
  RAND_bytes(serial, sizeof serial);
  serial[0] &= 0x7F;
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 60L * 60 * 24 * 365);
  X509_set_pubkey(cert.get(), key);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("modelops"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509* iss = issuer ? issuer : cert.get();
  X509_set_issuer_name(cert.get(), X509_get_subject_name(iss));
  bool ok = true;
  if (isCa) {
    ok = ok && addExt(cert.get(), iss, NID_basic_constraints, "critical,CA:TRUE");
    ok = ok && addExt(cert.get(), iss, NID_key_usage, "critical,keyCertSign,cRLSign,digitalSignature");
    ok = ok && addExt(cert.get(), iss, NID_subject_key_identifier, "hash");
  } else {
    ok = ok && addExt(cert.get(), iss, NID_basic_constraints, "critical,CA:FALSE");
    ok = ok && addExt(cert.get(), iss, NID_key_usage, "critical,digitalSignature,keyEncipherment");
    ok = ok && addExt(cert.get(), iss, NID_ext_key_usage, "serverAuth");
    ok = ok && addExt(cert.get(), iss, NID_subject_alt_name, san);
  }
  if (!ok || X509_sign(cert.get(), issuerKey, EVP_sha256()) == 0) return nullptr;
  return cert;
}

std::string pem(X509* cert) {
  Ptr<BIO> bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(bio.get(), cert);
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(n));
}

std::string pem(EVP_PKEY* key) {
  Ptr<BIO> bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(n));
}
}  // namespace

std::string base64Encode(const std::string& data) {
  std::string out(4 * ((data.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(data.data()), static_cast<int>(data.size()));
  out.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
  return out;
}

Result<TlsMaterial> generateTlsMaterial(const std::vector<std::string>& extraIpSans) {
  Ptr<EVP_PKEY> caKey(EVP_EC_gen("P-256"));
  Ptr<EVP_PKEY> key(EVP_EC_gen("P-256"));
  if (!caKey || !key) return tlsError("key generation failed");
  auto ca = makeCert(caKey.get(), "modelops-devserver-ca", nullptr, caKey.get(), true, "");
  if (!ca) return tlsError("CA certificate failed");
  std::string san = "IP:127.0.0.1,IP:::1,DNS:localhost";
  for (const auto& ip : extraIpSans)
    if (ip != "127.0.0.1" && ip != "0.0.0.0" && !ip.empty()) san += ",IP:" + ip;
  auto cert = makeCert(key.get(), "modelops-devserver", ca.get(), caKey.get(), false, san);
  if (!cert) return tlsError("server certificate failed");
  return TlsMaterial{pem(ca.get()), pem(cert.get()), pem(key.get())};
}

Status writeKubeconfigFile(const std::string& path, const std::string& serverUrl, const std::string& caPem,
                           const std::string& token) {
  nlohmann::json cluster = {{"server", serverUrl}};
  if (!caPem.empty()) cluster["certificate-authority-data"] = base64Encode(caPem);
  nlohmann::json user = nlohmann::json::object();
  if (!token.empty()) user["token"] = token;
  nlohmann::json config = {
      {"apiVersion", "v1"},
      {"kind", "Config"},
      {"clusters", {{{"name", "devserver"}, {"cluster", cluster}}}},
      {"users", {{{"name", "devserver"}, {"user", user}}}},
      {"contexts", {{{"name", "devserver"}, {"context", {{"cluster", "devserver"}, {"user", "devserver"}, {"namespace", "default"}}}}}},
      {"current-context", "devserver"},
      {"preferences", nlohmann::json::object()}};
  std::string text = config.dump(2) + "\n";
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Error{"IoError", path + ": cannot write kubeconfig"};
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ok = ::close(fd) == 0 && ok;
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) return Error{"IoError", path + ": cannot write kubeconfig"};
  return {};
}

}  // namespace modelops::devserver
