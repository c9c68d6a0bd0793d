#include "issuance/account_key.h"

namespace certadns::issuance {

std::string AccountKeyAad(const std::string& directory_url) {
  return "acme-account:" + directory_url;
}

core::Result<crypto::PrivateKey> LoadOrCreateAccountKey(store::AcmeAccountStore& store,
                                                        const crypto::SecretBox& box,
                                                        const std::string& directory_url) {
  const std::string aad = AccountKeyAad(directory_url);
  ASSIGN_OR_RETURN(auto sealed, store.GetAcmeAccountKey(directory_url));
  if (!sealed) {
    // ES256 signs each ACME request ~10x cheaper than RS256. Keys stored before (RSA) stay
    // as they are: their account is registered at the CA under that key.
    ASSIGN_OR_RETURN(crypto::PrivateKey fresh, crypto::PrivateKey::GenerateEcP256());
    ASSIGN_OR_RETURN(std::string blob, box.Seal(fresh.ToPem().reveal(), aad));
    ASSIGN_OR_RETURN(sealed, store.PutAcmeAccountKey(directory_url, blob));
  }
  ASSIGN_OR_RETURN(crypto::SecretString pem, box.Open(*sealed, aad));
  return crypto::PrivateKey::FromPem(pem.reveal());
}

}  // namespace certadns::issuance
