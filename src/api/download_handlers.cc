// /certificates/{id}/download/...: the formats beyond the spec's PEM fields. A PKCS#12 file
// (the passphrase only in the POST body, never kept or logged) and certbot's four files in a
// .zip. Same rules as the PEM download: the owner only, and only an issued certificate.
#include <string>

#include "api/audit.h"
#include "api/routes.h"
#include "core/errors.h"
#include "crypto/pkcs12.h"
#include "crypto/zip_archive.h"

namespace certadns::api {
namespace {

// The file name offered to the browser: the domain with anything but [A-Za-z0-9.-] as '_'
// ("*.example.com" -> "_.example.com"), so the header needs no quoting rules.
std::string Attachment(const std::string& domain, const char* extension) {
  std::string name;
  for (char c : domain) {
    bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '.' || c == '-';
    name += plain ? c : '_';
  }
  if (name.empty()) name = "certificate";
  return "attachment; filename=\"" + name + extension + "\"";
}

Reply FileReply(const std::string& content_type, std::string bytes, const std::string& domain,
                const char* extension) {
  Reply reply;
  reply.raw_content_type = content_type;
  reply.raw_body = std::move(bytes);
  reply.headers.push_back({"Content-Disposition", Attachment(domain, extension)});
  return reply;
}

// The passphrase from {"passphrase": "..."}: a non-empty string of bounded length.
core::Result<crypto::SecretString> Passphrase(const Call& call) {
  ASSIGN_OR_RETURN(nlohmann::json body, call.JsonObject());
  ASSIGN_OR_RETURN(auto passphrase, OptionalString(body, "passphrase"));
  if (!passphrase || passphrase->empty()) {
    return core::errors::InvalidRequest(
        "passphrase is required: the PKCS#12 file is encrypted with it");
  }
  crypto::SecretString secret(std::move(*passphrase));
  if (secret.reveal().size() > crypto::kMaxPkcs12PassphraseBytes) {
    return core::errors::InvalidRequest("passphrase is too long (at most " +
                                        std::to_string(crypto::kMaxPkcs12PassphraseBytes) +
                                        " bytes)");
  }
  if (secret.reveal().find('\0') != std::string::npos) {
    return core::errors::InvalidRequest("passphrase must not contain NUL characters");
  }
  return secret;
}

}  // namespace

core::Result<Reply> HandleCertificateDownloadPkcs12Post(Services& s, const Call& call) {
  ASSIGN_OR_RETURN(crypto::SecretString passphrase, Passphrase(call));
  ASSIGN_OR_RETURN(auto files, s.certificates.Download(call.user(), call.params[0]));
  ASSIGN_OR_RETURN(std::string p12,
                   crypto::MakePkcs12(files.certificate_pem, files.chain_pem,
                                      files.private_key_pem, passphrase, files.domain));
  ASSIGN_OR_RETURN(core::Certificate c, s.certificates.Get(call.user(), call.params[0]));
  RecordDownload(s, call, c, "pkcs12");
  return FileReply("application/x-pkcs12", std::move(p12), files.domain, ".p12");
}

core::Result<Reply> HandleCertificateDownloadBundleGet(Services& s, const Call& call) {
  ASSIGN_OR_RETURN(auto files, s.certificates.Download(call.user(), call.params[0]));
  // certbot's live/<name>/ files: privkey.pem readable by its owner only.
  ASSIGN_OR_RETURN(std::string zip,
                   crypto::MakeZip({{"cert.pem", files.certificate_pem, 0644},
                                    {"chain.pem", files.chain_pem, 0644},
                                    {"fullchain.pem", issuance::FullChainPem(files), 0644},
                                    {"privkey.pem", files.private_key_pem.reveal(), 0600}}));
  ASSIGN_OR_RETURN(core::Certificate c, s.certificates.Get(call.user(), call.params[0]));
  RecordDownload(s, call, c, "bundle");
  return FileReply("application/zip", std::move(zip), files.domain, ".zip");
}

}  // namespace certadns::api
