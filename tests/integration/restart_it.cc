// The real binary, killed with SIGKILL while a certificate is validating, then restarted:
// the same certificate ends issued without a new request. Also checks that the private key
// never appears in plaintext in the database files or the service's log, and that a node
// refuses to start with a master key other than the database's (or none), saying why; and
// a master-key rotation done under a running node (`certadns master-key rotate`).
#include <sys/wait.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <sstream>
#include <thread>

#include "crypto/encoding.h"
#include "crypto/secret_box.h"
#include "dns/powerdns/powerdns_client.h"
#include "http/curl_http_client.h"
#include "issuance/account_key.h"
#include "issuance/issuance_service.h"
#include "store/sqlite/sqlite_store.h"
#include "tests/support/file_text.h"
#include "tests/support/service_process.h"
#include "tests/support/stack_env.h"

namespace certadns::test {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(RestartIt, KilledWhileValidatingThenRestartedEndsIssued) {
  REQUIRE_STACK(env);
  ServiceProcess service;
  // No nameservers to check: the engine waits the fixed propagation delay, which gives a
  // certain window in `validating` to kill the process in.
  ConfigValues config = StackConfig(env);
  config["dns"]["nameservers"] = "[]";
  config["dns"]["propagation_delay_s"] = "3";

  auto store = store::sqlite::SqliteStore::Open(service.File("certadns.db"));
  ASSERT_TRUE(store.ok()) << store.error().message();
  auto box = crypto::SecretBox::FromKeyFile(service.File("master.key"));
  ASSERT_TRUE(box.ok()) << box.error().message();

  http::CurlHttpClient http({});
  dns::powerdns::PowerDnsClient pdns(http, {env.pdns_api_url, env.pdns_api_key,
                                            env.pdns_server_id});
  const std::string zone = "restart-" + crypto::HexEncode(crypto::RandomBytes(5)) + ".test";
  ASSERT_TRUE(pdns.CreateZone(zone, {"ns1." + zone}).ok());
  core::SystemClock clock;
  store::User user{crypto::RandomId("user"), "restart@example.test", "pro", "", clock.Now()};
  store::Zone zone_row{crypto::RandomId("zone"), user.id, zone, true, clock.Now()};
  ASSERT_TRUE((*store)->CreateUser(user).ok());
  ASSERT_TRUE((*store)->CreateZone(zone_row).ok());
  issuance::IssuanceService requests(**store, **store, clock, nullptr);
  auto requested = requests.Request({user.id, zone_row.id, zone, "app." + zone, {}, false});
  ASSERT_TRUE(requested.ok()) << requested.error().message();
  const std::string id = requested->id;

  auto status_of = [&] {
    auto c = (*store)->GetCertificate(user.id, id);
    return c.ok() ? c->status : core::CertificateState::kFailed;
  };
  auto wait_for = [&](auto done, std::chrono::seconds limit) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return done();
  };

  ASSERT_EQ(service.Start(config), "");
  bool validating = wait_for([&] { return status_of() == core::CertificateState::kValidating; },
                             std::chrono::seconds(30));
  int first_status = service.Kill();
  ASSERT_TRUE(validating) << service.LogTail();
  EXPECT_TRUE(WIFSIGNALED(first_status));
  EXPECT_EQ(status_of(), core::CertificateState::kValidating);

  ASSERT_EQ(service.Start(config), "");
  bool issued = wait_for(
      [&] {
        auto jobs = (*store)->ListJobs(id);
        return status_of() == core::CertificateState::kIssued && jobs.ok() && jobs->empty();
      },
      std::chrono::seconds(60));
  int second_status = service.Stop();
  std::string log = ReadFileText(service.File("serve.log"));
  ASSERT_TRUE(issued) << log;
  EXPECT_TRUE(WIFEXITED(second_status) && WEXITSTATUS(second_status) == 0);

  auto all = (*store)->ListCertificates(user.id);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 1u);
  auto events = (*store)->ListEvents(user.id, id);
  ASSERT_TRUE(events.ok());
  std::string event_text;
  for (const auto& e : *events) event_text += e.message + "\n";
  EXPECT_THAT(event_text, HasSubstr("Certificate issued"));

  // The key, in the clear, must appear in neither the database files nor the log.
  auto sealed = (*store)->GetSealedPrivateKey(user.id, id);
  ASSERT_TRUE(sealed.ok());
  auto key_pem = box->Open(*sealed, id);
  ASSERT_TRUE(key_pem.ok());
  std::stringstream lines(key_pem->reveal());
  std::vector<std::string> body;
  for (std::string line; std::getline(lines, line);) {
    if (line.size() == 64) body.push_back(line);
  }
  ASSERT_GT(body.size(), 10u);
  std::string stored = ReadFileText(service.File("certadns.db")) +
                       ReadFileText(service.File("certadns.db-wal"));
  for (const std::string& haystack : {stored, log}) {
    EXPECT_THAT(haystack, Not(HasSubstr("PRIVATE KEY")));
    for (size_t i = 1; i < body.size(); i += 5) EXPECT_THAT(haystack, Not(HasSubstr(body[i])));
  }
  (void)pdns.DeleteZone(zone);
}

TEST(RestartIt, ANodeWithAnotherOrNoMasterKeyRefusesToStartAndSaysWhy) {
  REQUIRE_STACK(env);
  ServiceProcess service;
  ConfigValues config = StackConfig(env);
  ASSERT_EQ(service.Start(config), "");  // a new database: its key is made and recorded
  service.Stop();
  const std::string key_file = service.File("master.key");

  // Another node's key file (as if copied from the wrong machine).
  ASSERT_EQ(std::remove(key_file.c_str()), 0);
  ASSERT_TRUE(crypto::SecretBox::FromKeyFile(key_file).ok());
  std::string other = service.Start(config);
  EXPECT_THAT(other, HasSubstr("exited during startup"));
  EXPECT_THAT(other, HasSubstr("every node must use the same master key file"));

  // No key file at all: a new one would not open the database's secrets, so none is made.
  ASSERT_EQ(std::remove(key_file.c_str()), 0);
  std::string missing = service.Start(config);
  EXPECT_THAT(missing, HasSubstr("exited during startup"));
  EXPECT_THAT(missing, HasSubstr("is missing"));
  EXPECT_NE(::access(key_file.c_str(), F_OK), 0) << "a new master key was created";
}

TEST(RestartIt, AfterAMasterKeyRotationTheNewKeyAloneServesAndTheOldIsRefused) {
  // Needs no stack: nothing is ordered, and the secrets sealed at start (the ACME account
  // key, the key pool's keys) are what the rotation re-seals.
  ServiceProcess service;
  ConfigValues config;
  config["server"]["web_root"] = Toml("");
  config["acme"]["directory_url"] = Toml("https://127.0.0.1:1/directory");
  config["powerdns"]["api_url"] = Toml("http://127.0.0.1:1");
  config["issuance"]["key_pool"] = "2";
  ASSERT_EQ(service.Start(config), "");  // key A made; the ACME account key sealed under it
  auto store = store::sqlite::SqliteStore::Open(service.File("certadns.db"));
  ASSERT_TRUE(store.ok()) << store.error().message();
  auto pooled_keys = [&] {
    auto count = (*store)->CountPooledKeys();
    return count.ok() ? *count : -1;
  };
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (pooled_keys() < 2 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_EQ(pooled_keys(), 2) << service.LogTail();

  // The operator's steps: a new key B, every node restarted with B and A as previous, the
  // rotation run beside the serving node, then B alone.
  const std::string a = service.File("master.key");
  const std::string b = service.File("new.key");
  ASSERT_TRUE(crypto::SecretBox::FromKeyFile(b).ok());
  service.Stop();
  config["secrets"]["master_key_file"] = Toml(b);
  config["secrets"]["previous_master_key_files"] = TomlList({a});
  ASSERT_EQ(service.Start(config), "");
  CommandResult rotated = service.Cli({"master-key", "rotate"});
  ASSERT_EQ(rotated.exit_code, 0) << rotated.Describe();
  EXPECT_THAT(rotated.out, HasSubstr("re-sealed 3 secrets"));
  EXPECT_THAT(rotated.out, HasSubstr("the database now records it"));
  service.Stop();

  config["secrets"].erase("previous_master_key_files");
  ASSERT_EQ(service.Start(config), "") << "B alone opens the ACME account key at start";
  service.Stop();
  auto box = crypto::SecretBox::LoadKeyFile(b);
  ASSERT_TRUE(box.ok());
  auto account = (*store)->ListSealedValues(store::SealedColumn::kAcmeAccountKey, "", 10);
  ASSERT_TRUE(account.ok() && account->size() == 1u);
  EXPECT_TRUE(box->Open((*account)[0].sealed, issuance::AccountKeyAad((*account)[0].owner)).ok());
  auto pooled = (*store)->ListSealedValues(store::SealedColumn::kPooledKey, "", 10);
  ASSERT_TRUE(pooled.ok());
  EXPECT_EQ(pooled->size(), 2u);
  for (const auto& value : *pooled) EXPECT_TRUE(box->Open(value.sealed, value.owner).ok());

  config["secrets"]["master_key_file"] = Toml(a);
  std::string old = service.Start(config);
  EXPECT_THAT(old, HasSubstr("exited during startup"));
  EXPECT_THAT(old, HasSubstr("after a master-key rotation that is the new key"));
}

}  // namespace
}  // namespace certadns::test
