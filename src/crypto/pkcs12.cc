#include "crypto/pkcs12.h"

#include <climits>

#include <openssl/pkcs12.h>

#include "crypto/openssl_util.h"
#include "crypto/x509.h"

namespace certadns::crypto {
namespace {

using Pkcs12Ptr = std::unique_ptr<PKCS12, OpensslDeleter<&PKCS12_free>>;

}  // namespace

core::Result<std::string> MakePkcs12(std::string_view certificate_pem, std::string_view chain_pem,
                                     const SecretString& private_key_pem,
                                     const SecretString& passphrase,
                                     const std::string& friendly_name) {
  const std::string& pass = passphrase.reveal();
  if (pass.empty()) return core::InvalidArgument("passphrase is required (a non-empty string)");
  if (pass.size() > kMaxPkcs12PassphraseBytes) {
    return core::InvalidArgument("passphrase is too long (at most " +
                                 std::to_string(kMaxPkcs12PassphraseBytes) + " bytes)");
  }
  if (pass.find('\0') != std::string::npos) {
    return core::InvalidArgument("passphrase must not contain NUL characters");
  }
  X509Ptr leaf = internal::ReadFirstCertificate(certificate_pem);
  if (!leaf) return core::Internal("pkcs12: the certificate does not parse");
  X509StackPtr chain(sk_X509_new_null());
  if (!chain) return core::Internal("pkcs12: " + internal::DrainOpensslErrors());
  for (const std::string& block : SplitPemChain(chain_pem)) {
    X509Ptr cert = internal::ReadFirstCertificate(block);
    if (!cert) return core::Internal("pkcs12: a chain certificate does not parse");
    if (sk_X509_push(chain.get(), cert.get()) == 0) {
      return core::Internal("pkcs12: " + internal::DrainOpensslErrors());
    }
    cert.release();  // now owned by chain
  }
  BioPtr key_bio = internal::ReadOnlyBio(private_key_pem.reveal());
  if (!key_bio) return core::Internal("pkcs12: the private key is too large");
  EvpPkeyPtr key(
      PEM_read_bio_PrivateKey(key_bio.get(), nullptr, &internal::NoPemPassword, nullptr));
  if (!key) return core::Internal("pkcs12: the private key does not parse");
  if (X509_check_private_key(leaf.get(), key.get()) != 1) {
    internal::DrainOpensslErrors();
    return core::Internal("pkcs12: the private key does not match the certificate");
  }
  // OpenSSL 3's defaults, named explicitly so an older default can never creep in.
  Pkcs12Ptr p12(PKCS12_create(pass.c_str(), friendly_name.c_str(), key.get(), leaf.get(),
                              chain.get(), NID_aes_256_cbc, NID_aes_256_cbc, PKCS12_DEFAULT_ITER,
                              PKCS12_DEFAULT_ITER, 0));
  if (!p12) return core::Internal("pkcs12: create: " + internal::DrainOpensslErrors());
  BioPtr out(BIO_new(BIO_s_mem()));
  if (!out || i2d_PKCS12_bio(out.get(), p12.get()) != 1) {
    return core::Internal("pkcs12: encode: " + internal::DrainOpensslErrors());
  }
  return internal::BioContents(out.get());
}

}  // namespace certadns::crypto
