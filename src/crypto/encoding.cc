#include "crypto/encoding.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <mutex>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sodium.h>

#include "crypto/openssl_util.h"

namespace certadns::crypto {
namespace {

// EVP_EncodeBlock/EVP_DecodeBlock take int lengths; work in chunks that keep whole base64
// quanta (3 bytes <-> 4 characters) so any input size is handled.
constexpr size_t kEncodeChunkBytes = 3 * 16384;
constexpr size_t kDecodeChunkChars = 4 * 16384;

[[noreturn]] void Die(const char* what) {
  std::fprintf(stderr, "certadns crypto: fatal: %s\n", what);
  std::abort();
}

bool IsStdAlphabet(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
         c == '/';
}

// Decodes standard-alphabet base64 whose length is a multiple of 4 and whose only '=' are
// one or two at the very end. OpenSSL accepts '=' anywhere (as zero bits), so the caller's
// validation above is what makes this strict.
core::Result<std::string> DecodePadded(std::string_view text) {
  size_t padding = 0;
  while (padding < text.size() && padding < 3 && text[text.size() - 1 - padding] == '=') {
    ++padding;
  }
  if (text.size() % 4 != 0 || padding > 2) {
    return core::InvalidArgument("base64: bad length or padding");
  }
  if (!std::all_of(text.begin(), text.end() - static_cast<std::ptrdiff_t>(padding),
                   IsStdAlphabet)) {
    return core::InvalidArgument("base64: invalid character");
  }
  std::string out;
  out.reserve(text.size() / 4 * 3);
  unsigned char buf[kDecodeChunkChars / 4 * 3];
  for (size_t pos = 0; pos < text.size(); pos += kDecodeChunkChars) {
    size_t n = std::min(kDecodeChunkChars, text.size() - pos);
    int got = EVP_DecodeBlock(buf, reinterpret_cast<const unsigned char*>(text.data() + pos),
                              static_cast<int>(n));
    if (got < 0) {
      internal::DrainOpensslErrors();
      return core::InvalidArgument("base64: malformed input");
    }
    out.append(reinterpret_cast<const char*>(buf), static_cast<size_t>(got));
  }
  // EVP_DecodeBlock counts the padding positions as zero bytes.
  out.resize(out.size() - padding);
  return out;
}

void EnsureSodium() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (sodium_init() < 0) Die("sodium_init failed");
  });
}

}  // namespace

std::string Base64Encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  unsigned char buf[kEncodeChunkBytes / 3 * 4 + 1];
  for (size_t pos = 0; pos < bytes.size(); pos += kEncodeChunkBytes) {
    size_t n = std::min(kEncodeChunkBytes, bytes.size() - pos);
    int got = EVP_EncodeBlock(buf, reinterpret_cast<const unsigned char*>(bytes.data() + pos),
                              static_cast<int>(n));
    out.append(reinterpret_cast<const char*>(buf), static_cast<size_t>(got));
  }
  return out;
}

core::Result<std::string> Base64Decode(std::string_view text) { return DecodePadded(text); }

// RFC 4648 §5: the standard algorithm with '-' for '+' and '_' for '/'; JOSE drops the '='.
std::string Base64UrlEncode(std::string_view bytes) {
  std::string out = Base64Encode(bytes);
  while (!out.empty() && out.back() == '=') out.pop_back();
  for (char& c : out) {
    if (c == '+') {
      c = '-';
    } else if (c == '/') {
      c = '_';
    }
  }
  return out;
}

core::Result<std::string> Base64UrlDecode(std::string_view text) {
  std::string std_text;
  std_text.reserve(text.size() + 2);
  for (char c : text) {
    if (c == '+' || c == '/') return core::InvalidArgument("base64url: invalid character");
    if (c == '-') {
      c = '+';
    } else if (c == '_') {
      c = '/';
    }
    std_text.push_back(c);
  }
  bool padded = !std_text.empty() && std_text.back() == '=';
  if (!padded) {
    if (std_text.size() % 4 == 1) return core::InvalidArgument("base64url: bad length");
    std_text.append((4 - std_text.size() % 4) % 4, '=');
  }
  return DecodePadded(std_text);
}

std::string Sha256(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr) != 1) {
    internal::DrainOpensslErrors();
    Die("EVP_Digest(SHA-256) failed");
  }
  return std::string(reinterpret_cast<const char*>(md), len);
}

std::string HmacSha256(std::string_view key, std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(data.data()), data.size(), md, &len) == nullptr) {
    internal::DrainOpensslErrors();
    Die("HMAC(SHA-256) failed");
  }
  return std::string(reinterpret_cast<const char*>(md), len);
}

std::string HexEncode(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char c : bytes) {
    auto b = static_cast<unsigned char>(c);
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 0x0f]);
  }
  return out;
}

std::string RandomBytes(size_t n) {
  EnsureSodium();
  std::string out(n, '\0');
  randombytes_buf(out.data(), n);
  return out;
}

std::string RandomId(std::string_view prefix) {
  static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  constexpr size_t kIdChars = 24;
  EnsureSodium();
  std::string out(prefix);
  out.push_back('_');
  for (size_t i = 0; i < kIdChars; ++i) {
    // randombytes_uniform is unbiased, unlike a byte taken modulo 36.
    out.push_back(kAlphabet[randombytes_uniform(sizeof kAlphabet - 1)]);
  }
  return out;
}

}  // namespace certadns::crypto
