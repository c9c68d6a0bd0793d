// Owning pointers for OpenSSL objects. STYLE.md §4.6: OpenSSL objects only ever live in these
// aliases, so every early return frees them. Private to src/crypto/ (and its tests).
// Thread-compatible.
#pragma once

#include <memory>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/params.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace certadns::crypto {

/// Deleter that calls OpenSSL's free function `kFree`.
template <auto kFree>
struct OpensslDeleter {
  template <typename T>
  void operator()(T* p) const {
    kFree(p);
  }
};

/// Deleter for buffers OpenSSL allocated with OPENSSL_malloc (a macro, hence not above).
struct OpensslFreeDeleter {
  void operator()(void* p) const { OPENSSL_free(p); }
};

/// Stacks own their elements; these free both.
struct X509StackDeleter {
  void operator()(STACK_OF(X509) * s) const { sk_X509_pop_free(s, X509_free); }
};
struct X509ExtensionStackDeleter {
  void operator()(STACK_OF(X509_EXTENSION) * s) const {
    sk_X509_EXTENSION_pop_free(s, X509_EXTENSION_free);
  }
};

using Asn1Ia5StringPtr = std::unique_ptr<ASN1_IA5STRING, OpensslDeleter<&ASN1_IA5STRING_free>>;
using Asn1IntegerPtr = std::unique_ptr<ASN1_INTEGER, OpensslDeleter<&ASN1_INTEGER_free>>;
using Asn1TimePtr = std::unique_ptr<ASN1_TIME, OpensslDeleter<&ASN1_TIME_free>>;
using BignumPtr = std::unique_ptr<BIGNUM, OpensslDeleter<&BN_free>>;
using BioPtr = std::unique_ptr<BIO, OpensslDeleter<&BIO_free_all>>;
using EcdsaSigPtr = std::unique_ptr<ECDSA_SIG, OpensslDeleter<&ECDSA_SIG_free>>;
using EvpCipherCtxPtr = std::unique_ptr<EVP_CIPHER_CTX, OpensslDeleter<&EVP_CIPHER_CTX_free>>;
using EvpMdCtxPtr = std::unique_ptr<EVP_MD_CTX, OpensslDeleter<&EVP_MD_CTX_free>>;
using EvpPkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, OpensslDeleter<&EVP_PKEY_CTX_free>>;
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, OpensslDeleter<&EVP_PKEY_free>>;
using GeneralNamePtr = std::unique_ptr<GENERAL_NAME, OpensslDeleter<&GENERAL_NAME_free>>;
using GeneralNamesPtr = std::unique_ptr<GENERAL_NAMES, OpensslDeleter<&GENERAL_NAMES_free>>;
using OpensslStringPtr = std::unique_ptr<char, OpensslFreeDeleter>;
using OpensslBytesPtr = std::unique_ptr<unsigned char, OpensslFreeDeleter>;
using OsslParamBldPtr = std::unique_ptr<OSSL_PARAM_BLD, OpensslDeleter<&OSSL_PARAM_BLD_free>>;
using OsslParamPtr = std::unique_ptr<OSSL_PARAM, OpensslDeleter<&OSSL_PARAM_free>>;
using X509ExtensionPtr = std::unique_ptr<X509_EXTENSION, OpensslDeleter<&X509_EXTENSION_free>>;
using X509ExtensionStackPtr = std::unique_ptr<STACK_OF(X509_EXTENSION), X509ExtensionStackDeleter>;
using X509Ptr = std::unique_ptr<X509, OpensslDeleter<&X509_free>>;
using X509ReqPtr = std::unique_ptr<X509_REQ, OpensslDeleter<&X509_REQ_free>>;
using X509StackPtr = std::unique_ptr<STACK_OF(X509), X509StackDeleter>;
using X509StoreCtxPtr = std::unique_ptr<X509_STORE_CTX, OpensslDeleter<&X509_STORE_CTX_free>>;
using X509StorePtr = std::unique_ptr<X509_STORE, OpensslDeleter<&X509_STORE_free>>;

}  // namespace certadns::crypto
