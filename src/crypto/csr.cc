#include "crypto/csr.h"

#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "crypto/openssl_util.h"
#include "crypto/private_key_impl.h"

namespace certadns::crypto {
namespace {

// RFC 5280 Appendix A: ub-common-name is 64 characters; longer names go only in the SAN.
constexpr size_t kMaxCommonNameLength = 64;
// RFC 1035 §2.3.4 bounds a name's text form at 253 characters (plus "*." for wildcards).
constexpr size_t kMaxDnsNameLength = 255;

bool IsPlausibleDnsName(const std::string& name) {
  if (name.empty() || name.size() > kMaxDnsNameLength) return false;
  for (char c : name) {
    // Names arrive normalised (punycode), so anything outside printable ASCII, or a
    // separator another parser could split on, is a caller bug.
    if (c <= ' ' || c > '~' || c == ',') return false;
  }
  return true;
}

core::Error OpensslFailure(const char* what) {
  return core::Internal(std::string("csr: ") + what + ": " + internal::DrainOpensslErrors());
}

core::Result<GeneralNamesPtr> DnsNames(const std::vector<std::string>& names) {
  GeneralNamesPtr gens(GENERAL_NAMES_new());
  if (!gens) return OpensslFailure("GENERAL_NAMES_new");
  for (const std::string& name : names) {
    Asn1Ia5StringPtr ia5(ASN1_IA5STRING_new());
    GeneralNamePtr gen(GENERAL_NAME_new());
    if (!ia5 || !gen ||
        ASN1_STRING_set(ia5.get(), name.data(), static_cast<int>(name.size())) != 1) {
      return OpensslFailure("building dNSName");
    }
    GENERAL_NAME_set0_value(gen.get(), GEN_DNS, ia5.release());
    if (sk_GENERAL_NAME_push(gens.get(), gen.get()) == 0) return OpensslFailure("SAN push");
    gen.release();  // now owned by gens
  }
  return gens;
}

}  // namespace

core::Result<std::string> CreateCsrDer(const PrivateKey& key,
                                       const std::vector<std::string>& names) {
  if (names.empty()) return core::InvalidArgument("csr: no names");
  for (const std::string& name : names) {
    if (!IsPlausibleDnsName(name)) return core::InvalidArgument("csr: invalid DNS name");
  }
  EVP_PKEY* pkey = key.impl().pkey.get();

  X509ReqPtr req(X509_REQ_new());
  if (!req || X509_REQ_set_version(req.get(), X509_REQ_VERSION_1) != 1) {
    return OpensslFailure("X509_REQ_new");
  }
  // RFC 8555 §7.4 lets the subject be empty; CAs take the names from the SAN extension.
  if (names[0].size() <= kMaxCommonNameLength) {
    X509_NAME* subject = X509_REQ_get_subject_name(req.get());  // owned by req
    if (X509_NAME_add_entry_by_NID(subject, NID_commonName, MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char*>(names[0].data()),
                                   static_cast<int>(names[0].size()), -1, 0) != 1) {
      return OpensslFailure("subject CN");
    }
  }
  if (X509_REQ_set_pubkey(req.get(), pkey) != 1) return OpensslFailure("set public key");

  ASSIGN_OR_RETURN(GeneralNamesPtr gens, DnsNames(names));
  X509ExtensionStackPtr exts(sk_X509_EXTENSION_new_null());
  if (!exts) return OpensslFailure("extension stack");
  // X509V3_add1_i2d only allocates a stack when given none; ours stays owned by `exts`.
  STACK_OF(X509_EXTENSION)* exts_raw = exts.get();
  if (X509V3_add1_i2d(&exts_raw, NID_subject_alt_name, gens.get(), 0, X509V3_ADD_DEFAULT) != 1) {
    return OpensslFailure("SAN extension");
  }
  if (X509_REQ_add_extensions(req.get(), exts.get()) != 1) return OpensslFailure("add extensions");

  if (X509_REQ_sign(req.get(), pkey, EVP_sha256()) <= 0) return OpensslFailure("sign");

  int len = i2d_X509_REQ(req.get(), nullptr);
  if (len <= 0) return OpensslFailure("encode");
  std::string der(static_cast<size_t>(len), '\0');
  auto* out = reinterpret_cast<unsigned char*>(der.data());
  if (i2d_X509_REQ(req.get(), &out) != len) return OpensslFailure("encode");
  return der;
}

}  // namespace certadns::crypto
