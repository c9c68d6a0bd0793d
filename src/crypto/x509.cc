#include "crypto/x509.h"

#include <cctype>
#include <ctime>
#include <utility>

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "crypto/encoding.h"
#include "crypto/openssl_util.h"

namespace certadns::crypto {
namespace {

// UTCTime and GeneralizedTime both end up in a struct tm in UTC.
bool ToTimePoint(const ASN1_TIME* t, core::TimePoint* out) {
  std::tm tm{};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) return false;
  std::time_t secs = timegm(&tm);
  if (secs == static_cast<std::time_t>(-1)) return false;
  *out = std::chrono::system_clock::from_time_t(secs);
  return true;
}

// First commonName of `name` as UTF-8; "" when there is none.
std::string CommonName(const X509_NAME* name) {
  int idx = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
  if (idx < 0) return "";
  const ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, idx));
  unsigned char* raw = nullptr;
  int len = ASN1_STRING_to_UTF8(&raw, data);
  if (len < 0) {
    internal::DrainOpensslErrors();
    return "";
  }
  OpensslBytesPtr utf8(raw);
  return std::string(reinterpret_cast<const char*>(utf8.get()), static_cast<size_t>(len));
}

std::vector<std::string> DnsNames(const X509* cert) {
  std::vector<std::string> names;
  GeneralNamesPtr gens(
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr)));
  if (!gens) return names;
  for (int i = 0; i < sk_GENERAL_NAME_num(gens.get()); ++i) {
    const GENERAL_NAME* gen = sk_GENERAL_NAME_value(gens.get(), i);
    if (gen->type != GEN_DNS) continue;
    const ASN1_IA5STRING* ia5 = gen->d.dNSName;
    names.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(ia5)),
                       static_cast<size_t>(ASN1_STRING_length(ia5)));
  }
  return names;
}

core::Result<std::string> SerialHex(const X509* cert) {
  BignumPtr bn(ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr));
  if (!bn) return core::Internal("x509: serial: " + internal::DrainOpensslErrors());
  OpensslStringPtr hex(BN_bn2hex(bn.get()));
  if (!hex) return core::Internal("x509: serial: " + internal::DrainOpensslErrors());
  std::string out(hex.get());
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Every certificate of a PEM text, in order. Stops at the first block that does not parse.
X509StackPtr ReadAllCertificates(std::string_view pem) {
  X509StackPtr certs(sk_X509_new_null());
  BioPtr bio = internal::ReadOnlyBio(pem);
  if (!certs || !bio) return certs;
  while (true) {
    X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, &internal::NoPemPassword, nullptr));
    if (!cert || sk_X509_push(certs.get(), cert.get()) == 0) break;
    cert.release();  // now owned by certs
  }
  // The loop always ends on an error (at least "no start line" at end of input).
  internal::DrainOpensslErrors();
  return certs;
}

}  // namespace

core::Result<CertificateInfo> ParseCertificate(std::string_view pem) {
  X509Ptr cert = internal::ReadFirstCertificate(pem);
  if (!cert) return core::InvalidArgument("x509: no certificate in PEM");
  CertificateInfo info;
  if (!ToTimePoint(X509_get0_notBefore(cert.get()), &info.not_before) ||
      !ToTimePoint(X509_get0_notAfter(cert.get()), &info.not_after)) {
    internal::DrainOpensslErrors();
    return core::InvalidArgument("x509: unreadable validity period");
  }
  info.dns_names = DnsNames(cert.get());
  ASSIGN_OR_RETURN(info.serial_hex, SerialHex(cert.get()));
  info.subject_cn = CommonName(X509_get_subject_name(cert.get()));
  info.issuer_cn = CommonName(X509_get_issuer_name(cert.get()));
  internal::DrainOpensslErrors();
  return info;
}

std::vector<std::string> SplitPemChain(std::string_view pem) {
  std::vector<std::string> out;
  X509StackPtr certs = ReadAllCertificates(pem);
  if (!certs) return out;
  for (int i = 0; i < sk_X509_num(certs.get()); ++i) {
    BioPtr bio(BIO_new(BIO_s_mem()));
    if (!bio || PEM_write_bio_X509(bio.get(), sk_X509_value(certs.get(), i)) != 1) {
      internal::DrainOpensslErrors();
      break;
    }
    out.push_back(internal::BioContents(bio.get()));
  }
  return out;
}

core::Result<std::string> AriCertificateId(std::string_view pem) {
  X509Ptr cert = internal::ReadFirstCertificate(pem);
  if (!cert) return core::InvalidArgument("x509: no certificate in PEM");
  const ASN1_OCTET_STRING* key_id = X509_get0_authority_key_id(cert.get());
  if (key_id == nullptr || ASN1_STRING_length(key_id) <= 0) {
    internal::DrainOpensslErrors();
    return core::InvalidArgument("x509: no authority key identifier");
  }
  // The serial's DER encoding without tag and length: its two's-complement content octets
  // (a leading 00 when the high bit is set), as i2d writes them after the header.
  int len = i2d_ASN1_INTEGER(X509_get0_serialNumber(cert.get()), nullptr);
  if (len <= 2) return core::Internal("x509: encode serial: " + internal::DrainOpensslErrors());
  std::string der(static_cast<size_t>(len), '\0');
  auto* out = reinterpret_cast<unsigned char*>(der.data());
  if (i2d_ASN1_INTEGER(X509_get0_serialNumber(cert.get()), &out) != len) {
    return core::Internal("x509: encode serial: " + internal::DrainOpensslErrors());
  }
  const auto length_byte = static_cast<unsigned char>(der[1]);
  size_t header = 2 + ((length_byte & 0x80) != 0 ? (length_byte & 0x7f) : 0);
  if (header >= der.size()) return core::Internal("x509: malformed serial encoding");
  std::string key(reinterpret_cast<const char*>(ASN1_STRING_get0_data(key_id)),
                  static_cast<size_t>(ASN1_STRING_length(key_id)));
  return Base64UrlEncode(key) + "." + Base64UrlEncode(std::string_view(der).substr(header));
}

core::Result<std::string> CertificatePemToDer(std::string_view pem) {
  X509Ptr cert = internal::ReadFirstCertificate(pem);
  if (!cert) return core::InvalidArgument("x509: no certificate in PEM");
  int len = i2d_X509(cert.get(), nullptr);
  if (len <= 0) return core::Internal("x509: encode: " + internal::DrainOpensslErrors());
  std::string der(static_cast<size_t>(len), '\0');
  auto* out = reinterpret_cast<unsigned char*>(der.data());
  if (i2d_X509(cert.get(), &out) != len) {
    return core::Internal("x509: encode: " + internal::DrainOpensslErrors());
  }
  return der;
}

bool VerifyChain(std::string_view leaf_pem, std::string_view chain_pem, std::string_view root_pem) {
  // Certificates after the first in `leaf_pem` count as intermediates too, so the bundle an
  // ACME server returns (leaf + chain) can be passed as is.
  X509StackPtr leaf_bundle = ReadAllCertificates(leaf_pem);
  X509StackPtr untrusted = ReadAllCertificates(chain_pem);
  X509StackPtr roots = ReadAllCertificates(root_pem);
  if (!leaf_bundle || !untrusted || !roots || sk_X509_num(leaf_bundle.get()) == 0 ||
      sk_X509_num(roots.get()) == 0) {
    return false;
  }
  X509* leaf = sk_X509_value(leaf_bundle.get(), 0);
  for (int i = 1; i < sk_X509_num(leaf_bundle.get()); ++i) {
    X509* extra = sk_X509_value(leaf_bundle.get(), i);
    if (X509_add_cert(untrusted.get(), extra, X509_ADD_FLAG_UP_REF) != 1) {
      internal::DrainOpensslErrors();
      return false;
    }
  }
  X509StorePtr store(X509_STORE_new());
  if (!store) return false;
  for (int i = 0; i < sk_X509_num(roots.get()); ++i) {
    // X509_STORE_add_cert takes its own reference.
    if (X509_STORE_add_cert(store.get(), sk_X509_value(roots.get(), i)) != 1) {
      internal::DrainOpensslErrors();
      return false;
    }
  }
  X509StoreCtxPtr ctx(X509_STORE_CTX_new());
  // Verification time is the present, so an expired or not-yet-valid certificate fails.
  bool ok = ctx && X509_STORE_CTX_init(ctx.get(), store.get(), leaf, untrusted.get()) == 1 &&
            X509_verify_cert(ctx.get()) == 1;
  internal::DrainOpensslErrors();
  return ok;
}

core::Result<std::string> CertificatePublicKeyDer(std::string_view pem) {
  X509Ptr cert = internal::ReadFirstCertificate(pem);
  if (!cert) {
    internal::DrainOpensslErrors();
    return core::InvalidArgument("x509: no certificate in PEM");
  }
  unsigned char* der = nullptr;
  const int len = i2d_PUBKEY(X509_get0_pubkey(cert.get()), &der);
  std::string out;
  if (len > 0 && der != nullptr) out.assign(reinterpret_cast<const char*>(der), static_cast<size_t>(len));
  OPENSSL_free(der);
  internal::DrainOpensslErrors();
  if (out.empty()) return core::InvalidArgument("x509: the certificate's public key is unreadable");
  return out;
}

}  // namespace certadns::crypto
