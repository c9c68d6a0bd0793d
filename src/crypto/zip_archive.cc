#include "crypto/zip_archive.h"

#include <cstdio>
#include <memory>

#include <zip.h>

namespace certadns::crypto {
namespace {

struct SourceDeleter {
  void operator()(zip_source_t* s) const { zip_source_free(s); }
};
struct ArchiveDeleter {
  void operator()(zip_t* z) const { zip_discard(z); }
};
using SourcePtr = std::unique_ptr<zip_source_t, SourceDeleter>;
using ArchivePtr = std::unique_ptr<zip_t, ArchiveDeleter>;

core::Error ZipError(const char* what, zip_error_t* error) {
  std::string text = std::string("zip: ") + what + ": " + zip_error_strerror(error);
  zip_error_fini(error);
  return core::Internal(text);
}

// Everything written to the buffer source `source`, after its archive is closed.
core::Result<std::string> ReadBack(zip_source_t* source) {
  if (zip_source_open(source) != 0) return ZipError("reopen", zip_source_error(source));
  std::string out;
  char chunk[16384];
  while (true) {
    zip_int64_t n = zip_source_read(source, chunk, sizeof chunk);
    if (n < 0) {
      zip_source_close(source);
      return ZipError("read", zip_source_error(source));
    }
    if (n == 0) break;
    out.append(chunk, static_cast<size_t>(n));
  }
  zip_source_close(source);
  return out;
}

}  // namespace

core::Result<std::string> MakeZip(const std::vector<ZipEntry>& entries) {
  zip_error_t error;
  zip_error_init(&error);
  SourcePtr buffer(zip_source_buffer_create(nullptr, 0, 0, &error));
  if (!buffer) return ZipError("buffer", &error);
  zip_source_keep(buffer.get());  // the archive takes one reference; we keep ours to read back
  ArchivePtr archive(zip_open_from_source(buffer.get(), ZIP_TRUNCATE, &error));
  if (!archive) {
    zip_source_free(buffer.get());  // drop the reference the archive did not take
    return ZipError("open", &error);
  }
  zip_error_fini(&error);
  for (const ZipEntry& entry : entries) {
    if (entry.name.empty()) return core::InvalidArgument("zip: an entry has no name");
    // libzip reads the bytes when the archive is closed; `entries` outlives that.
    zip_source_t* data = zip_source_buffer(archive.get(), entry.content.data(),
                                           entry.content.size(), 0);
    if (data == nullptr) return ZipError("entry", zip_get_error(archive.get()));
    zip_int64_t index =
        zip_file_add(archive.get(), entry.name.c_str(), data, ZIP_FL_ENC_UTF_8);
    if (index < 0) {
      zip_source_free(data);
      if (zip_error_code_zip(zip_get_error(archive.get())) == ZIP_ER_EXISTS) {
        return core::InvalidArgument("zip: duplicate entry " + entry.name);
      }
      return ZipError("add", zip_get_error(archive.get()));
    }
    auto i = static_cast<zip_uint64_t>(index);
    zip_uint32_t attributes = (0100000u | entry.mode) << 16;  // a regular file with its mode
    if (zip_file_set_external_attributes(archive.get(), i, 0, ZIP_OPSYS_UNIX, attributes) != 0 ||
        zip_set_file_compression(archive.get(), i, ZIP_CM_DEFLATE, 0) != 0) {
      return ZipError("attributes", zip_get_error(archive.get()));
    }
  }
  if (zip_close(archive.get()) != 0) return ZipError("close", zip_get_error(archive.get()));
  archive.release();  // zip_close freed it
  return ReadBack(buffer.get());
}

}  // namespace certadns::crypto
