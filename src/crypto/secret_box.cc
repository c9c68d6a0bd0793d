#include "crypto/secret_box.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <utility>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "crypto/encoding.h"
#include "crypto/openssl_util.h"

namespace certadns::crypto {
namespace {

constexpr size_t kKeySize = 32;    // AES-256
constexpr size_t kNonceSize = 12;  // NIST SP 800-38D §8.2: 96-bit IVs
constexpr size_t kTagSize = 16;

const unsigned char* Bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

core::Error Io(const char* what, const std::string& path, int err) {
  return core::FailedPrecondition(std::string("master key ") + path + ": " + what + ": " +
                                  std::strerror(err));
}

// Closes the descriptor on every return path.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

// mkdir -p for the directories above `path`, new ones with mode 0700 (less under a umask).
core::Status CreateParentDirectories(const std::string& path) {
  for (size_t pos = path.find('/', 1); pos != std::string::npos; pos = path.find('/', pos + 1)) {
    std::string dir = path.substr(0, pos);
    if (dir.empty() || dir.back() == '/') continue;  // "a//b"
    if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
      return Io("creating directory", dir, errno);
    }
  }
  return core::Ok();
}

// Writes a fresh random key. O_EXCL makes a concurrent creator lose with EEXIST, and also
// refuses to follow a planted symlink.
core::Status CreateKeyFile(const std::string& path) {
  RETURN_IF_ERROR(CreateParentDirectories(path));
  Fd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (fd.get() < 0) {
    if (errno == EEXIST) return core::Ok();  // someone else created it; read theirs
    return Io("creating", path, errno);
  }
  SecretString key(RandomBytes(kKeySize));
  // The umask can only have narrowed 0600; make the mode exact anyway.
  bool ok = ::fchmod(fd.get(), 0600) == 0;
  size_t written = 0;
  while (ok && written < kKeySize) {
    ssize_t n = ::write(fd.get(), key.reveal().data() + written, kKeySize - written);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) written += static_cast<size_t>(n);
  }
  if (ok) ok = ::fsync(fd.get()) == 0;
  if (!ok) {
    int err = errno;
    ::unlink(path.c_str());
    return Io("writing", path, err);
  }
  return core::Ok();
}

core::Result<SecretString> ReadKeyFile(const std::string& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return Io("opening", path, errno);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return Io("stat", path, errno);
  if (!S_ISREG(st.st_mode)) return core::FailedPrecondition("master key " + path + ": not a file");
  if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    return core::FailedPrecondition("master key " + path +
                                    ": accessible by group or others; chmod 600 it");
  }
  if (st.st_size != static_cast<off_t>(kKeySize)) {
    return core::FailedPrecondition("master key " + path + ": must be exactly 32 bytes");
  }
  std::string buf(kKeySize, '\0');
  size_t got = 0;
  while (got < kKeySize) {
    ssize_t n = ::read(fd.get(), buf.data() + got, kKeySize - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int err = n < 0 ? errno : EIO;
      OPENSSL_cleanse(buf.data(), buf.size());
      return Io("reading", path, err);
    }
    got += static_cast<size_t>(n);
  }
  return SecretString(std::move(buf));
}

}  // namespace

core::Result<SecretBox> SecretBox::Create(SecretString master_key) {
  if (master_key.reveal().size() != kKeySize) {
    return core::InvalidArgument("secret box: master key must be 32 bytes");
  }
  return SecretBox(std::move(master_key));
}

core::Result<SecretBox> SecretBox::FromKeyFile(const std::string& path) {
  if (path.empty()) return core::InvalidArgument("secret box: empty key file path");
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno != ENOENT) return Io("stat", path, errno);
    RETURN_IF_ERROR(CreateKeyFile(path));
  }
  ASSIGN_OR_RETURN(SecretString key, ReadKeyFile(path));
  return Create(std::move(key));
}

core::Result<SecretBox> SecretBox::LoadKeyFile(const std::string& path) {
  if (path.empty()) return core::InvalidArgument("secret box: empty key file path");
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return core::NotFound("master key " + path + ": no such file");
    return Io("stat", path, errno);
  }
  ASSIGN_OR_RETURN(SecretString key, ReadKeyFile(path));
  return Create(std::move(key));
}

std::string SecretBox::Fingerprint() const { return FingerprintOf(key_); }

void SecretBox::AddPreviousKey(const SecretBox& previous) { previous_.push_back(previous.key_); }

std::vector<std::string> SecretBox::PreviousFingerprints() const {
  std::vector<std::string> fingerprints;
  for (const SecretString& key : previous_) fingerprints.push_back(FingerprintOf(key));
  return fingerprints;
}

std::string SecretBox::FingerprintOf(const SecretString& key) {
  // A derived value, not the key's own hash: the fingerprint reveals nothing usable with
  // the key elsewhere.
  static constexpr std::string_view kLabel = "certadns master key fingerprint v1";
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_size = 0;
  HMAC(EVP_sha256(), key.reveal().data(), static_cast<int>(key.reveal().size()), Bytes(kLabel),
       kLabel.size(), mac, &mac_size);
  std::string derived(reinterpret_cast<const char*>(mac), mac_size);
  OPENSSL_cleanse(mac, sizeof mac);
  std::string fingerprint = HexEncode(Sha256(derived));
  OPENSSL_cleanse(derived.data(), derived.size());
  return fingerprint;
}

core::Result<std::string> SecretBox::Seal(std::string_view plaintext, std::string_view aad) const {
  if (plaintext.size() > static_cast<size_t>(INT_MAX) - kTagSize ||
      aad.size() > static_cast<size_t>(INT_MAX)) {
    return core::InvalidArgument("secret box: input too large");
  }
  std::string nonce = RandomBytes(kNonceSize);
  std::string out(kNonceSize + plaintext.size() + kTagSize, '\0');
  out.replace(0, kNonceSize, nonce);
  auto* ct = reinterpret_cast<unsigned char*>(out.data() + kNonceSize);
  EvpCipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  bool ok = ctx && EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) &&
            EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, kNonceSize, nullptr) &&
            EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, Bytes(key_.reveal()), Bytes(nonce)) &&
            EVP_EncryptUpdate(ctx.get(), nullptr, &len, Bytes(aad), static_cast<int>(aad.size())) &&
            EVP_EncryptUpdate(ctx.get(), ct, &len, Bytes(plaintext),
                              static_cast<int>(plaintext.size())) &&
            EVP_EncryptFinal_ex(ctx.get(), ct + len, &len) &&
            EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagSize, ct + plaintext.size());
  if (!ok) return core::Internal("secret box: seal failed: " + internal::DrainOpensslErrors());
  return out;
}

core::Result<SecretString> SecretBox::Open(std::string_view sealed, std::string_view aad) const {
  auto opened = OpenWith(key_, sealed, aad);
  for (size_t i = 0; !opened.ok() && i < previous_.size(); ++i) {
    auto by_previous = OpenWith(previous_[i], sealed, aad);
    if (by_previous.ok()) return by_previous;
  }
  return opened;
}

bool SecretBox::SealedUnderThisKey(std::string_view sealed, std::string_view aad) const {
  return OpenWith(key_, sealed, aad).ok();
}

core::Result<SecretString> SecretBox::OpenWith(const SecretString& key, std::string_view sealed,
                                               std::string_view aad) {
  if (sealed.size() < kNonceSize + kTagSize || sealed.size() > static_cast<size_t>(INT_MAX) ||
      aad.size() > static_cast<size_t>(INT_MAX)) {
    return core::InvalidArgument("secret box: sealed blob has the wrong size");
  }
  std::string_view nonce = sealed.substr(0, kNonceSize);
  std::string_view ct = sealed.substr(kNonceSize, sealed.size() - kNonceSize - kTagSize);
  std::string tag(sealed.substr(sealed.size() - kTagSize));
  std::string plain(ct.size(), '\0');
  auto* pt = reinterpret_cast<unsigned char*>(plain.data());
  EvpCipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  bool ok = ctx && EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) &&
            EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, kNonceSize, nullptr) &&
            EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr, Bytes(key.reveal()), Bytes(nonce)) &&
            EVP_DecryptUpdate(ctx.get(), nullptr, &len, Bytes(aad), static_cast<int>(aad.size())) &&
            EVP_DecryptUpdate(ctx.get(), pt, &len, Bytes(ct), static_cast<int>(ct.size())) &&
            EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagSize, tag.data()) &&
            EVP_DecryptFinal_ex(ctx.get(), pt + len, &len) == 1;
  if (!ok) {
    // Never hand out plaintext that failed authentication.
    OPENSSL_cleanse(plain.data(), plain.size());
    internal::DrainOpensslErrors();
    return core::InvalidArgument("secret box: blob does not authenticate under this key and aad");
  }
  return SecretString(std::move(plain));
}

}  // namespace certadns::crypto
