#include "crypto/zip_archive.h"

#include <map>

#include <zip.h>

#include <gtest/gtest.h>

namespace certadns::crypto {
namespace {

struct Read {
  std::string content;
  unsigned mode = 0;
};

// Reads an archive back with libzip: name -> content and Unix mode.
std::map<std::string, Read> Unzip(const std::string& bytes) {
  std::map<std::string, Read> files;
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* src = zip_source_buffer_create(bytes.data(), bytes.size(), 0, &error);
  zip_t* za = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &error);
  zip_error_fini(&error);
  if (za == nullptr) {
    zip_source_free(src);
    return files;
  }
  for (zip_int64_t i = 0; i < zip_get_num_entries(za, 0); ++i) {
    zip_stat_t st;
    zip_stat_index(za, static_cast<zip_uint64_t>(i), 0, &st);
    std::string content(st.size, '\0');
    zip_file_t* f = zip_fopen_index(za, static_cast<zip_uint64_t>(i), 0);
    zip_fread(f, content.data(), st.size);
    zip_fclose(f);
    zip_uint8_t os = 0;
    zip_uint32_t attributes = 0;
    zip_file_get_external_attributes(za, static_cast<zip_uint64_t>(i), 0, &os, &attributes);
    files[st.name] = {content, (attributes >> 16) & 0777};
  }
  zip_discard(za);
  return files;
}

TEST(ZipArchiveTest, HoldsEveryEntryWithItsContentAndMode) {
  std::string big(100000, 'x');
  auto zip = MakeZip({{"cert.pem", "CERT\n", 0644}, {"privkey.pem", "KEY\n", 0600},
                      {"big.txt", big, 0644}, {"empty", "", 0644}});
  ASSERT_TRUE(zip.ok()) << zip.error().message();
  EXPECT_EQ(zip->substr(0, 4), std::string("PK\x03\x04", 4));
  EXPECT_LT(zip->size(), big.size());  // deflated
  auto files = Unzip(*zip);
  ASSERT_EQ(files.size(), 4u);
  EXPECT_EQ(files["cert.pem"].content, "CERT\n");
  EXPECT_EQ(files["cert.pem"].mode, 0644u);
  EXPECT_EQ(files["privkey.pem"].content, "KEY\n");
  EXPECT_EQ(files["privkey.pem"].mode, 0600u);
  EXPECT_EQ(files["big.txt"].content, big);
  EXPECT_EQ(files["empty"].content, "");
}

TEST(ZipArchiveTest, RefusesDuplicateAndEmptyNames) {
  auto duplicate = MakeZip({{"a", "1", 0644}, {"a", "2", 0644}});
  ASSERT_FALSE(duplicate.ok());
  EXPECT_EQ(duplicate.error().code(), core::ErrorCode::kInvalidArgument);
  EXPECT_FALSE(MakeZip({{"", "1", 0644}}).ok());
}

}  // namespace
}  // namespace certadns::crypto
