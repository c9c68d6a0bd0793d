// TempDir: a private (0700) directory under /tmp, removed with everything in it when the
// object goes away. Header-only. Thread-compatible.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <string>

namespace certadns::test {

class TempDir {
 public:
  TempDir() {
    std::string pattern = "/tmp/certadns-test.XXXXXX";
    char* made = mkdtemp(pattern.data());
    path_ = made ? made : "";
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace certadns::test
