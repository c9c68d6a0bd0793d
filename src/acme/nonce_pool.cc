#include "acme/nonce_pool.h"

namespace certadns::acme {

std::optional<std::string> NoncePool::Take() {
  std::lock_guard lock(mutex_);
  if (nonces_.empty()) return std::nullopt;
  // Newest first: an old nonce is the likeliest to have expired on the server.
  std::string nonce = std::move(nonces_.back());
  nonces_.pop_back();
  return nonce;
}

void NoncePool::Put(std::string nonce) {
  if (nonce.empty()) return;
  std::lock_guard lock(mutex_);
  nonces_.push_back(std::move(nonce));
  while (nonces_.size() > kMaxNonces) nonces_.pop_front();
}

}  // namespace certadns::acme
