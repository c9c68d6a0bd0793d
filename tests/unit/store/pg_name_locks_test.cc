// PgNameLocks: the NameLocks contract on PostgreSQL advisory locks, each node with its own
// connections to one fresh database (CERTADNS_TEST_PG_URL).
#include "store/postgres/pg_name_locks.h"

#include <gtest/gtest.h>

#include "support/pg_test_database.h"
#include "tests/unit/store/name_locks_contract.h"

namespace certadns::store::postgres {
namespace {

class PgBackend final : public test::NameLocksBackend {
 public:
  std::string Unavailable() const override {
    if (!db_.url().empty()) return "";
    if (test::PgTestDatabase::Required()) ADD_FAILURE() << "PostgreSQL needed: " << db_.problem();
    return "no PostgreSQL: " + db_.problem();
  }
  std::unique_ptr<core::NameLocks> Node(std::chrono::milliseconds wait) override {
    auto locks = PgNameLocks::Open(db_.url(), 2, wait);
    EXPECT_TRUE(locks.ok()) << locks.error().message();
    return locks.ok() ? std::move(*locks) : nullptr;
  }

 private:
  test::PgTestDatabase db_;
};

using test::NameLocksContractTest;
INSTANTIATE_TEST_SUITE_P(Postgres, NameLocksContractTest,
                         ::testing::Values(test::NameLocksBackendFactory([] {
                           return std::unique_ptr<test::NameLocksBackend>(
                               std::make_unique<PgBackend>());
                         })));

}  // namespace
}  // namespace certadns::store::postgres
