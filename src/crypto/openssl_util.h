// Small inline helpers shared by the OpenSSL-backed files of src/crypto/: error-queue hygiene,
// memory BIOs over string_views and PEM certificate reading. Private to src/crypto/.
// Thread-safe (OpenSSL's error queue is per thread).
#pragma once

#include <climits>
#include <string>
#include <string_view>

#include <openssl/err.h>
#include <openssl/pem.h>

#include "crypto/openssl_ptr.h"

namespace certadns::crypto::internal {

/// Pops every queued OpenSSL error of this thread and returns the first one as text ("" when
/// none). Called on every failure path so stale errors cannot confuse later OpenSSL users on
/// the same thread (e.g. libcurl's TLS). The text never contains key material.
inline std::string DrainOpensslErrors() {
  unsigned long first = ERR_get_error();
  while (ERR_get_error() != 0) {
  }
  if (first == 0) return "";
  char buf[256];
  ERR_error_string_n(first, buf, sizeof buf);
  return buf;
}

/// PEM password callback that never prompts on the terminal: encrypted PEM simply fails.
inline int NoPemPassword(char* /*buf*/, int /*size*/, int /*rwflag*/, void* /*u*/) { return 0; }

/// A read-only memory BIO over `data` (not copied; `data` must outlive it). Null when `data`
/// is too large for OpenSSL's int lengths.
inline BioPtr ReadOnlyBio(std::string_view data) {
  if (data.size() > static_cast<size_t>(INT_MAX)) return nullptr;
  return BioPtr(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
}

/// Contents of a memory BIO.
inline std::string BioContents(BIO* bio) {
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  if (len <= 0 || data == nullptr) return "";
  return std::string(data, static_cast<size_t>(len));
}

/// The first certificate ("-----BEGIN CERTIFICATE-----") of a PEM text, or null.
inline X509Ptr ReadFirstCertificate(std::string_view pem) {
  BioPtr bio = ReadOnlyBio(pem);
  if (!bio) return nullptr;
  X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, &NoPemPassword, nullptr));
  if (!cert) DrainOpensslErrors();
  return cert;
}

}  // namespace certadns::crypto::internal
