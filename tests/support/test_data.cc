// TestDataPath/ReadTestData over CERTADNS_TESTDATA_DIR (a compile definition of this file).
#include "support/test_data.h"

#include <fstream>
#include <sstream>

#ifndef CERTADNS_TESTDATA_DIR
#error "CERTADNS_TESTDATA_DIR must be defined by tests/support/CMakeLists.txt"
#endif

namespace certadns::test {

std::string TestDataPath(std::string_view relative) {
  return std::string(CERTADNS_TESTDATA_DIR) + "/" + std::string(relative);
}

core::Result<std::string> ReadTestData(std::string_view relative) {
  const std::string path = TestDataPath(relative);
  std::ifstream in(path, std::ios::binary);
  if (!in) return core::NotFound("test data " + path + " cannot be read");
  std::ostringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

}  // namespace certadns::test
