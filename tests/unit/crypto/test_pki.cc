#include "tests/unit/crypto/test_pki.h"

#include <array>
#include <chrono>
#include <cstdlib>
#include <optional>

#include <openssl/pem.h>

namespace certadns::crypto::testing {
namespace {

X509Ptr ReadCert(const std::string& pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  return X509Ptr(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
}

void AddExtension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509ExtensionPtr ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
  if (!ext || X509_add_ext(cert, ext.get(), -1) != 1) std::abort();
}

void SetTime(X509* cert, core::TimePoint t, bool not_before) {
  Asn1TimePtr asn1(ASN1_TIME_set(nullptr, std::chrono::system_clock::to_time_t(t)));
  if (!asn1) std::abort();
  int rc =
      not_before ? X509_set1_notBefore(cert, asn1.get()) : X509_set1_notAfter(cert, asn1.get());
  if (rc != 1) std::abort();
}

}  // namespace

const PrivateKey& TestKey(int index) {
  static std::array<std::optional<PrivateKey>, 4> keys;
  auto& slot = keys.at(static_cast<size_t>(index));
  if (!slot) {
    auto key = PrivateKey::GenerateRsa(2048);
    if (!key.ok()) std::abort();
    slot.emplace(std::move(key).value());
  }
  return *slot;
}

EvpPkeyPtr ToEvpPkey(const PrivateKey& key) {
  SecretString pem = key.ToPem();
  BioPtr bio(BIO_new_mem_buf(pem.reveal().data(), static_cast<int>(pem.reveal().size())));
  return EvpPkeyPtr(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
}

CertSpec ValidNow(std::string subject_cn, std::vector<std::string> dns_names, bool is_ca) {
  auto now = std::chrono::system_clock::now();
  CertSpec spec;
  spec.subject_cn = std::move(subject_cn);
  spec.dns_names = std::move(dns_names);
  spec.not_before = now - std::chrono::hours(1);
  spec.not_after = now + std::chrono::hours(24 * 30);
  spec.is_ca = is_ca;
  return spec;
}

std::string MakeCertificatePem(const PrivateKey& subject_key, const CertSpec& spec,
                               const PrivateKey& issuer_key, const std::string& issuer_cert_pem) {
  EvpPkeyPtr subject_pkey = ToEvpPkey(subject_key);
  EvpPkeyPtr issuer_pkey = ToEvpPkey(issuer_key);
  X509Ptr cert(X509_new());
  X509Ptr issuer = issuer_cert_pem.empty() ? nullptr : ReadCert(issuer_cert_pem);
  if (!subject_pkey || !issuer_pkey || !cert || (!issuer_cert_pem.empty() && !issuer)) {
    std::abort();
  }
  X509_set_version(cert.get(), X509_VERSION_3);

  BIGNUM* serial_raw = nullptr;
  if (BN_hex2bn(&serial_raw, spec.serial_hex.c_str()) == 0) std::abort();
  BignumPtr serial(serial_raw);
  Asn1IntegerPtr serial_asn1(BN_to_ASN1_INTEGER(serial.get(), nullptr));
  X509_set_serialNumber(cert.get(), serial_asn1.get());

  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_NID(name, NID_commonName, MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(spec.subject_cn.c_str()), -1,
                             -1, 0);
  X509_set_issuer_name(cert.get(), issuer ? X509_get_subject_name(issuer.get()) : name);
  SetTime(cert.get(), spec.not_before, /*not_before=*/true);
  SetTime(cert.get(), spec.not_after, /*not_before=*/false);
  X509_set_pubkey(cert.get(), subject_pkey.get());

  X509* issuer_for_ext = issuer ? issuer.get() : cert.get();
  AddExtension(cert.get(), issuer_for_ext, NID_basic_constraints,
               spec.is_ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
  if (spec.is_ca) AddExtension(cert.get(), issuer_for_ext, NID_key_usage, "critical,keyCertSign");
  AddExtension(cert.get(), issuer_for_ext, NID_subject_key_identifier, "hash");
  if (!spec.dns_names.empty()) {
    std::string san;
    for (const std::string& n : spec.dns_names) san += (san.empty() ? "DNS:" : ",DNS:") + n;
    AddExtension(cert.get(), issuer_for_ext, NID_subject_alt_name, san);
  }
  if (!spec.authority_key_id.empty()) {
    std::unique_ptr<AUTHORITY_KEYID, OpensslDeleter<AUTHORITY_KEYID_free>> akid(
        AUTHORITY_KEYID_new());
    akid->keyid = ASN1_OCTET_STRING_new();
    if (!akid->keyid ||
        ASN1_OCTET_STRING_set(akid->keyid,
                              reinterpret_cast<const unsigned char*>(spec.authority_key_id.data()),
                              static_cast<int>(spec.authority_key_id.size())) != 1 ||
        X509_add1_ext_i2d(cert.get(), NID_authority_key_identifier, akid.get(), 0,
                          X509V3_ADD_DEFAULT) != 1) {
      std::abort();
    }
  }
  if (X509_sign(cert.get(), issuer_pkey.get(), EVP_sha256()) <= 0) std::abort();

  BioPtr out(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(out.get(), cert.get());
  char* data = nullptr;
  long len = BIO_get_mem_data(out.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

}  // namespace certadns::crypto::testing
