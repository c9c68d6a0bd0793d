// A .zip archive made in memory (libzip), for the certificate bundle download that carries
// certbot's file names. It lives beside the PKCS#12 writer because both package key material
// for a download. Thread-safe.
#pragma once

#include <string>
#include <vector>

#include "core/result.h"

namespace certadns::crypto {

struct ZipEntry {
  std::string name;       // path inside the archive, e.g. "privkey.pem"
  std::string content;    // the file's bytes
  unsigned mode = 0644;   // Unix permission bits recorded for the file (0600 for a key)
};

/// The bytes of a .zip holding `entries` in order (deflated). kInvalidArgument for an empty
/// or duplicate name; kInternal when libzip fails.
core::Result<std::string> MakeZip(const std::vector<ZipEntry>& entries);

}  // namespace certadns::crypto
