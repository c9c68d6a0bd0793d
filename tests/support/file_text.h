// ReadFileText: a whole file as a string ("" when it cannot be read), for tests. Header-only.
#pragma once

#include <fstream>
#include <sstream>
#include <string>

namespace certadns::test {

inline std::string ReadFileText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

}  // namespace certadns::test
