// OpenStore: the database folder it creates is private (0700) and so is the file (0600).
#include "app/store_factory.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "tests/support/temp_dir.h"

namespace certadns::app {
namespace {

int Mode(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) return -1;
  return static_cast<int>(st.st_mode & 07777);
}

TEST(StoreFactoryTest, TheDatabaseFoldersItCreatesArePrivate) {
  mode_t old = umask(022);
  test::TempDir dir;
  auto store = OpenStore("sqlite://" + dir.File("data/certadns/certadns.db"));
  umask(old);
  ASSERT_TRUE(store.ok()) << store.error().message();
  EXPECT_EQ(Mode(dir.File("data")), 0700);
  EXPECT_EQ(Mode(dir.File("data/certadns")), 0700);
  EXPECT_EQ(Mode(dir.File("data/certadns/certadns.db")), 0600);
}

}  // namespace
}  // namespace certadns::app
