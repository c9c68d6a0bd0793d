// Independent checks of an issued certificate with the OpenSSL C API directly (not through
// src/crypto), so tests do not grade our wrappers with our wrappers. Header-only.
#pragma once

#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <string>
#include <vector>

namespace certadns::test {

inline std::vector<X509*> ReadCerts(const std::string& pem) {
  std::vector<X509*> out;
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  while (X509* x = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr)) out.push_back(x);
  BIO_free(bio);
  return out;
}

inline void FreeCerts(std::vector<X509*>& certs) {
  for (X509* x : certs) X509_free(x);
  certs.clear();
}

/// The dNSName entries of the leaf's subjectAltName, sorted.
inline std::vector<std::string> SanDnsNames(const std::string& leaf_pem) {
  std::vector<std::string> names;
  auto certs = ReadCerts(leaf_pem);
  if (certs.empty()) return names;
  auto* sans = static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(certs[0], NID_subject_alt_name, nullptr, nullptr));
  for (int i = 0; sans && i < sk_GENERAL_NAME_num(sans); ++i) {
    const GENERAL_NAME* n = sk_GENERAL_NAME_value(sans, i);
    if (n->type != GEN_DNS) continue;
    const unsigned char* data = ASN1_STRING_get0_data(n->d.dNSName);
    names.emplace_back(reinterpret_cast<const char*>(data),
                       static_cast<size_t>(ASN1_STRING_length(n->d.dNSName)));
  }
  GENERAL_NAMES_free(sans);
  FreeCerts(certs);
  std::sort(names.begin(), names.end());
  return names;
}

/// True when `key_pem` is the private key of the leaf.
inline bool KeyMatches(const std::string& leaf_pem, const std::string& key_pem) {
  auto certs = ReadCerts(leaf_pem);
  BIO* bio = BIO_new_mem_buf(key_pem.data(), static_cast<int>(key_pem.size()));
  EVP_PKEY* key = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  bool ok = !certs.empty() && key != nullptr && X509_check_private_key(certs[0], key) == 1;
  EVP_PKEY_free(key);
  FreeCerts(certs);
  return ok;
}

/// True when the leaf verifies through `chain_pem` up to the trust anchor `root_pem`.
inline bool ChainVerifies(const std::string& leaf_pem, const std::string& chain_pem,
                          const std::string& root_pem) {
  auto leaf = ReadCerts(leaf_pem);
  auto chain = ReadCerts(chain_pem);
  auto roots = ReadCerts(root_pem);
  bool ok = false;
  if (!leaf.empty() && !roots.empty()) {
    X509_STORE* store = X509_STORE_new();
    for (X509* r : roots) X509_STORE_add_cert(store, r);
    STACK_OF(X509)* untrusted = sk_X509_new_null();
    for (X509* c : chain) sk_X509_push(untrusted, c);
    X509_STORE_CTX* ctx = X509_STORE_CTX_new();
    X509_STORE_CTX_init(ctx, store, leaf[0], untrusted);
    ok = X509_verify_cert(ctx) == 1;
    X509_STORE_CTX_free(ctx);
    sk_X509_free(untrusted);
    X509_STORE_free(store);
  }
  FreeCerts(leaf);
  FreeCerts(chain);
  FreeCerts(roots);
  return ok;
}

}  // namespace certadns::test
