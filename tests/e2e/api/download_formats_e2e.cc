// The download formats beyond the spec's three PEM fields, checked as a user would: with the
// `openssl` command and Python's zipfile, never with src/crypto. fullchain_pem in the JSON,
// a PKCS#12 file that opens with its passphrase (and not with another), and certbot's four
// files in a .zip; all for the owner only.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sys/wait.h>

#include "tests/e2e/api/e2e_fixture.h"
#include "tests/support/file_text.h"
#include "tests/support/openssl_check.h"
#include "tests/support/temp_dir.h"

namespace certadns::test {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

struct Command {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

// Runs `command` with /bin/sh (test-made arguments only); its output and exit code.
Command Shell(const std::string& command) {
  Command result;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return result;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) result.output.append(buf, n);
  int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

void WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out << bytes;
}

// Every block of a PEM text that `marker` ("CERTIFICATE", "PRIVATE KEY") begins.
int CountBlocks(const std::string& pem, const std::string& marker) {
  int count = 0;
  const std::string begin = "-----BEGIN " + marker + "-----";
  for (size_t at = pem.find(begin); at != std::string::npos; at = pem.find(begin, at + 1)) {
    ++count;
  }
  return count;
}

class DownloadFormatsE2e : public ApiE2eTest {
 protected:
  // One issued certificate for the suite's tests: its owner, id, domain and PEM download.
  struct Issued {
    TestUser owner;
    std::string id;
    std::string domain;
    json pem;  // GET /download
  };

  Issued IssueOne() {
    Issued issued{NewUser("elite"), "", "", json()};
    TestZone zone = ImportZone(issued.owner, /*verified=*/true);
    issued.domain = "app." + zone.name;
    ApiResponse created =
        RequestCertificate(issued.owner.api, {{"zone_id", zone.id}, {"domain", issued.domain}});
    EXPECT_TRUE(HasStatus(created, 202));
    issued.id = created.json.value("id", "");
    ApiResponse settled = WaitSettled(issued.owner.api, issued.id);
    EXPECT_EQ(settled.json.value("status", ""), "issued")
        << settled.Describe() << "\n" << LogsText(issued.owner.api, issued.id);
    ApiResponse pem = issued.owner.api.Get("/certificates/" + issued.id + "/download");
    EXPECT_TRUE(HasStatus(pem, 200));
    issued.pem = pem.json;
    return issued;
  }
};

TEST_F(DownloadFormatsE2e, FullChainIsTheCertificateThenTheChain) {
  Issued c = IssueOne();
  const std::string cert = c.pem.value("certificate_pem", "");
  const std::string chain = c.pem.value("chain_pem", "");
  ASSERT_FALSE(cert.empty());
  ASSERT_FALSE(chain.empty());
  EXPECT_EQ(c.pem.value("fullchain_pem", ""), cert + chain);
  EXPECT_TRUE(ChainVerifies(c.pem.value("fullchain_pem", ""), chain,
                            ReadFileText(env().pebble_root_pem_file)));
}

TEST_F(DownloadFormatsE2e, Pkcs12OpensWithOpensslAndThePassphraseAndHoldsKeyAndChain) {
  Issued c = IssueOne();
  const std::string passphrase = "s3cret pass-" + Unique("p");
  ApiResponse p12 = c.owner.api.Post("/certificates/" + c.id + "/download/pkcs12",
                                     {{"passphrase", passphrase}});
  ASSERT_TRUE(HasStatus(p12, 200));
  EXPECT_EQ(p12.Header("Content-Type").value_or(""), "application/x-pkcs12");
  EXPECT_EQ(p12.Header("Content-Disposition").value_or(""),
            "attachment; filename=\"" + c.domain + ".p12\"");
  EXPECT_EQ(p12.Header("Cache-Control").value_or(""), "no-store");

  TempDir dir;
  const std::string file = dir.File("cert.p12");
  WriteFile(file, p12.body);
  WriteFile(dir.File("pass"), passphrase);
  // Debian 12's openssl, without -legacy: modern algorithms only.
  Command opened =
      Shell("openssl pkcs12 -in " + file + " -passin file:" + dir.File("pass") + " -noenc");
  ASSERT_EQ(opened.exit_code, 0) << opened.output;
  EXPECT_EQ(CountBlocks(opened.output, "PRIVATE KEY"), 1);
  const std::string chain = c.pem.value("chain_pem", "");
  EXPECT_EQ(CountBlocks(opened.output, "CERTIFICATE"), 1 + CountBlocks(chain, "CERTIFICATE"));
  const size_t key_at = opened.output.find("-----BEGIN PRIVATE KEY");
  ASSERT_NE(key_at, std::string::npos) << opened.output;
  EXPECT_TRUE(KeyMatches(c.pem.value("certificate_pem", ""), opened.output.substr(key_at)));
  Command leaf = Shell("openssl pkcs12 -in " + file + " -passin file:" + dir.File("pass") +
                     " -nokeys -clcerts");
  ASSERT_EQ(leaf.exit_code, 0) << leaf.output;
  EXPECT_THAT(leaf.output, HasSubstr(c.pem.value("certificate_pem", "")));
  Command cas = Shell("openssl pkcs12 -in " + file + " -passin file:" + dir.File("pass") +
                    " -nokeys -cacerts");
  ASSERT_EQ(cas.exit_code, 0) << cas.output;
  const std::string end = "-----END CERTIFICATE-----\n";
  for (size_t from = 0, to; (to = chain.find(end, from)) != std::string::npos;
       from = to + end.size()) {
    EXPECT_THAT(cas.output, HasSubstr(chain.substr(from, to + end.size() - from)));
  }
  Command info = Shell("openssl pkcs12 -in " + file + " -passin file:" + dir.File("pass") +
                     " -info -noout");
  EXPECT_THAT(info.output, HasSubstr("MAC: sha256"));
  EXPECT_THAT(info.output, HasSubstr("PBES2, PBKDF2, AES-256-CBC"));

  WriteFile(dir.File("wrong"), passphrase + "x");
  Command wrong =
      Shell("openssl pkcs12 -in " + file + " -passin file:" + dir.File("wrong") + " -noenc");
  EXPECT_NE(wrong.exit_code, 0) << wrong.output;
  EXPECT_EQ(CountBlocks(wrong.output, "PRIVATE KEY"), 0);
}

TEST_F(DownloadFormatsE2e, BundleHoldsCertbotsFourFiles) {
  Issued c = IssueOne();
  ApiResponse zip = c.owner.api.Get("/certificates/" + c.id + "/download/bundle");
  ASSERT_TRUE(HasStatus(zip, 200));
  EXPECT_EQ(zip.Header("Content-Type").value_or(""), "application/zip");
  EXPECT_EQ(zip.Header("Content-Disposition").value_or(""),
            "attachment; filename=\"" + c.domain + ".zip\"");
  TempDir dir;
  WriteFile(dir.File("bundle.zip"), zip.body);
  // Python's zipfile, an independent reader: names, modes, then the files themselves.
  Command listed = Shell("python3 -c 'import sys, zipfile\n"
                       "z = zipfile.ZipFile(sys.argv[1])\n"
                       "assert z.testzip() is None\n"
                       "[print(i.filename, oct(i.external_attr >> 16 & 0o777)) for i in "
                       "z.infolist()]\n"
                       "z.extractall(sys.argv[2])' " +
                       dir.File("bundle.zip") + " " + dir.File("out"));
  ASSERT_EQ(listed.exit_code, 0) << listed.output;
  EXPECT_EQ(listed.output,
            "cert.pem 0o644\nchain.pem 0o644\nfullchain.pem 0o644\nprivkey.pem 0o600\n");
  EXPECT_EQ(ReadFileText(dir.File("out/cert.pem")), c.pem.value("certificate_pem", ""));
  EXPECT_EQ(ReadFileText(dir.File("out/chain.pem")), c.pem.value("chain_pem", ""));
  EXPECT_EQ(ReadFileText(dir.File("out/fullchain.pem")), c.pem.value("fullchain_pem", ""));
  EXPECT_EQ(ReadFileText(dir.File("out/privkey.pem")), c.pem.value("private_key_pem", ""));
  EXPECT_TRUE(KeyMatches(ReadFileText(dir.File("out/cert.pem")),
                         ReadFileText(dir.File("out/privkey.pem"))));
}

TEST_F(DownloadFormatsE2e, SameRulesAsThePemDownload) {
  Issued c = IssueOne();
  const std::string p12 = "/certificates/" + c.id + "/download/pkcs12";
  const std::string bundle = "/certificates/" + c.id + "/download/bundle";
  // The passphrase: required, non-empty, bounded; only in the body.
  EXPECT_TRUE(IsBadRequestNaming(c.owner.api.Post(p12, json::object()), {"passphrase"}));
  EXPECT_TRUE(IsBadRequestNaming(c.owner.api.Post(p12, {{"passphrase", ""}}), {"passphrase"}));
  EXPECT_TRUE(IsBadRequestNaming(c.owner.api.Post(p12, {{"passphrase", 42}}), {"passphrase"}));
  EXPECT_TRUE(IsBadRequestNaming(
      c.owner.api.Post(p12, {{"passphrase", std::string(1025, 'a')}}), {"passphrase", "long"}));
  EXPECT_TRUE(HasStatus(c.owner.api.Post(p12, {{"passphrase", std::string(1024, 'a')}}), 200));

  // Another account, a missing id, no credentials.
  TestUser stranger = NewUser("elite");
  EXPECT_TRUE(IsError(stranger.api.Post(p12, {{"passphrase", "pw"}}), 404,
                      "certificate_not_found", spec::kCertificateNotFound));
  EXPECT_TRUE(IsError(stranger.api.Get(bundle), 404, "certificate_not_found",
                      spec::kCertificateNotFound));
  EXPECT_TRUE(IsError(c.owner.api.Get("/certificates/cert_doesnotexist/download/bundle"), 404,
                      "certificate_not_found", spec::kCertificateNotFound));
  EXPECT_TRUE(HasStatus(Anonymous().Get(bundle), 401));
  EXPECT_TRUE(HasStatus(Anonymous().Post(p12, {{"passphrase", "pw"}}), 401));

  // Deleted: gone for every format, as for the PEM download.
  ASSERT_TRUE(HasStatus(c.owner.api.Delete("/certificates/" + c.id), 200));
  EXPECT_TRUE(IsError(c.owner.api.Get(bundle), 404, "certificate_not_found",
                      spec::kCertificateNotFound));
  EXPECT_TRUE(IsError(c.owner.api.Post(p12, {{"passphrase", "pw"}}), 404,
                      "certificate_not_found", spec::kCertificateNotFound));
}

}  // namespace
}  // namespace certadns::test
