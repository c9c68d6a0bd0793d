#include "store/sqlite/sqlite_name_locks.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <thread>
#include <utility>

namespace certadns::store::sqlite {
namespace {

// Closing the descriptor releases its lock (an OFD lock belongs to the open file description).
class FileLock final : public core::NameLock {
 public:
  explicit FileLock(int fd) : fd_(fd) {}
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;
  ~FileLock() override { ::close(fd_); }

 private:
  int fd_;
};

// F_OFD_SETLK on one byte: 0 when taken, else errno (EAGAIN/EACCES: held by another).
int TryLock(int fd, uint64_t offset) {
  struct flock lock {};
  lock.l_type = F_WRLCK;
  lock.l_whence = SEEK_SET;
  lock.l_start = static_cast<off_t>(offset);
  lock.l_len = 1;
  lock.l_pid = 0;  // required for OFD locks
  return ::fcntl(fd, F_OFD_SETLK, &lock) == 0 ? 0 : errno;
}

}  // namespace

SqliteNameLocks::SqliteNameLocks(std::string database_path, std::chrono::milliseconds wait)
    : path_(std::move(database_path) + "-namelocks"), wait_(wait) {}

uint64_t SqliteNameLocks::OffsetOf(std::string_view name) {
  uint64_t hash = 14695981039346656037ull;  // FNV-1a, 64 bits
  for (unsigned char c : name) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  return hash >> 2;  // a non-negative off_t
}

core::Result<std::unique_ptr<core::NameLock>> SqliteNameLocks::Lock(std::string_view name) {
  const int fd = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return core::Unavailable("cannot open the lock file " + path_ + ": " + std::strerror(errno));
  }
  auto lock = std::make_unique<FileLock>(fd);  // closes fd on every return below
  const uint64_t offset = OffsetOf(name);
  const auto deadline = std::chrono::steady_clock::now() + wait_;
  auto pause = std::chrono::milliseconds(1);
  while (true) {
    const int error = TryLock(fd, offset);
    if (error == 0) return std::unique_ptr<core::NameLock>(std::move(lock));
    if (error != EAGAIN && error != EACCES && error != EINTR) {
      return core::Unavailable("cannot lock " + std::string(name) + " in " + path_ + ": " +
                               std::strerror(error));
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      return core::Unavailable("the lock on " + std::string(name) + " is still held after " +
                               std::to_string(wait_.count()) + " ms");
    }
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(20));
  }
}

}  // namespace certadns::store::sqlite
