#include "crypto/secret_box.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "crypto/encoding.h"

namespace certadns::crypto {
namespace {

SecretBox MakeBox() {
  auto box = SecretBox::Create(SecretString(RandomBytes(32)));
  EXPECT_TRUE(box.ok());
  return std::move(box).value();
}

void ExpectInvalid(const core::Result<SecretString>& r, std::string_view desc) {
  ASSERT_FALSE(r.ok()) << desc;
  EXPECT_EQ(r.error().code(), core::ErrorCode::kInvalidArgument) << desc;
}

// A fresh directory under /tmp, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/certadns_crypto_test_XXXXXX";
    const char* made = ::mkdtemp(tmpl);
    if (made == nullptr) std::abort();
    path_ = made;
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

void WriteFile(const std::string& path, const std::string& bytes, mode_t mode) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, mode);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::write(fd, bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
  ::close(fd);
  ASSERT_EQ(::chmod(path.c_str(), mode), 0);  // independent of the umask
}

TEST(SecretBoxTest, CreateRequiresA32ByteKey) {
  for (size_t size : {0, 16, 31, 33}) {
    auto box = SecretBox::Create(SecretString(std::string(size, 'k')));
    ASSERT_FALSE(box.ok()) << size;
    EXPECT_EQ(box.error().code(), core::ErrorCode::kInvalidArgument);
  }
}

TEST(SecretBoxTest, RoundTripsWithFreshNonces) {
  SecretBox box = MakeBox();
  for (const std::string& plaintext :
       {std::string("-----BEGIN " "PRIVATE KEY-----..."), std::string()}) {
    auto sealed = box.Seal(plaintext, "cert_123");
    ASSERT_TRUE(sealed.ok());
    EXPECT_EQ(sealed->size(), 12 + plaintext.size() + 16);
    if (!plaintext.empty()) {
      EXPECT_EQ(sealed->find(plaintext), std::string::npos);
    }
    auto opened = box.Open(*sealed, "cert_123");
    ASSERT_TRUE(opened.ok()) << opened.error().message();
    EXPECT_EQ(opened->reveal(), plaintext);
  }
  auto a = box.Seal("same", "aad");
  auto b = box.Seal("same", "aad");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(*a, *b);
}

TEST(SecretBoxTest, AnyTamperedByteFailsToOpen) {
  SecretBox box = MakeBox();
  auto sealed = box.Seal("secret", "cert_123");
  ASSERT_TRUE(sealed.ok());
  // Every position: nonce, ciphertext and tag.
  for (size_t i = 0; i < sealed->size(); ++i) {
    std::string tampered = *sealed;
    tampered[i] = static_cast<char>(tampered[i] ^ 0x01);
    ExpectInvalid(box.Open(tampered, "cert_123"), "byte " + std::to_string(i));
  }
  ExpectInvalid(box.Open(sealed->substr(0, sealed->size() - 1), "cert_123"), "truncated");
  ExpectInvalid(box.Open(sealed->substr(0, 27), "cert_123"), "shorter than nonce+tag");
}

TEST(SecretBoxTest, WrongAadOrKeyFailsToOpen) {
  SecretBox box = MakeBox();
  auto sealed = box.Seal("secret", "cert_123");
  ASSERT_TRUE(sealed.ok());
  ExpectInvalid(box.Open(*sealed, "cert_124"), "other aad");
  ExpectInvalid(box.Open(*sealed, ""), "empty aad");
  ExpectInvalid(MakeBox().Open(*sealed, "cert_123"), "other key");
}

TEST(SecretBoxKeyFileTest, CreatesAPrivate32ByteKeyAndReloadsIt) {
  TempDir tmp;
  const std::string dir = tmp.path() + "/state/keys";
  const std::string path = dir + "/master.key";
  auto first = SecretBox::FromKeyFile(path);
  ASSERT_TRUE(first.ok()) << first.error().message();

  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_TRUE(S_ISREG(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(st.st_size, 32);
  for (const std::string& d : {tmp.path() + "/state", dir}) {
    ASSERT_EQ(::stat(d.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 077, 0u) << d;
  }

  auto second = SecretBox::FromKeyFile(path);
  ASSERT_TRUE(second.ok()) << second.error().message();
  auto sealed = first->Seal("secret", "aad");
  ASSERT_TRUE(sealed.ok());
  auto opened = second->Open(*sealed, "aad");
  ASSERT_TRUE(opened.ok());
  EXPECT_EQ(opened->reveal(), "secret");
}

TEST(SecretBoxKeyFileTest, RefusesGroupOrOtherReadableFile) {
  TempDir tmp;
  const std::string path = tmp.path() + "/master.key";
  WriteFile(path, RandomBytes(32), 0644);
  auto box = SecretBox::FromKeyFile(path);
  ASSERT_FALSE(box.ok());
  EXPECT_EQ(box.error().code(), core::ErrorCode::kFailedPrecondition);
  ASSERT_EQ(::chmod(path.c_str(), 0640), 0);
  EXPECT_FALSE(SecretBox::FromKeyFile(path).ok());
  ASSERT_EQ(::chmod(path.c_str(), 0600), 0);
  EXPECT_TRUE(SecretBox::FromKeyFile(path).ok());
}

TEST(SecretBoxKeyFileTest, RefusesKeyOfTheWrongSize) {
  TempDir tmp;
  const std::string path = tmp.path() + "/master.key";
  WriteFile(path, RandomBytes(31), 0600);
  auto box = SecretBox::FromKeyFile(path);
  ASSERT_FALSE(box.ok());
  EXPECT_EQ(box.error().code(), core::ErrorCode::kFailedPrecondition);
}

TEST(SecretBoxKeyFileTest, LoadKeyFileNeverCreatesTheKey) {
  TempDir tmp;
  const std::string path = tmp.path() + "/master.key";
  auto box = SecretBox::LoadKeyFile(path);
  ASSERT_FALSE(box.ok());
  EXPECT_EQ(box.error().code(), core::ErrorCode::kNotFound);
  struct stat st {};
  EXPECT_NE(::stat(path.c_str(), &st), 0) << "the key file was created";
  ASSERT_TRUE(SecretBox::FromKeyFile(path).ok());
  EXPECT_TRUE(SecretBox::LoadKeyFile(path).ok());
}

TEST(SecretBoxTest, FingerprintIdentifiesTheKeyWithoutRevealingIt) {
  std::string key = RandomBytes(32);
  auto a = SecretBox::Create(SecretString(key));
  auto b = SecretBox::Create(SecretString(key));
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->Fingerprint(), b->Fingerprint());
  EXPECT_EQ(a->Fingerprint().size(), 64u);
  EXPECT_NE(a->Fingerprint(), MakeBox().Fingerprint());
  EXPECT_NE(a->Fingerprint(), HexEncode(Sha256(key)));
  EXPECT_EQ(a->Fingerprint().find(HexEncode(key)), std::string::npos);
}

TEST(SecretBoxTest, DuringARotationBlobsOfThePreviousKeyOpenAndNewOnesAreSealedUnderTheNew) {
  SecretBox old_key = MakeBox();
  auto old_blob = old_key.Seal("old secret", "cert_1");
  ASSERT_TRUE(old_blob.ok());
  SecretBox rotating = MakeBox();
  ExpectInvalid(rotating.Open(*old_blob, "cert_1"), "the new key alone");
  rotating.AddPreviousKey(old_key);
  EXPECT_EQ(rotating.PreviousFingerprints(), std::vector<std::string>{old_key.Fingerprint()});

  auto opened = rotating.Open(*old_blob, "cert_1");
  ASSERT_TRUE(opened.ok());
  EXPECT_EQ(opened->reveal(), "old secret");
  EXPECT_FALSE(rotating.SealedUnderThisKey(*old_blob, "cert_1"));
  ExpectInvalid(rotating.Open(*old_blob, "cert_2"), "the previous key, other aad");

  auto new_blob = rotating.Seal("new secret", "cert_1");
  ASSERT_TRUE(new_blob.ok());
  EXPECT_TRUE(rotating.SealedUnderThisKey(*new_blob, "cert_1"));
  ExpectInvalid(old_key.Open(*new_blob, "cert_1"), "sealed under the new key, not the old");
}

}  // namespace
}  // namespace certadns::crypto
