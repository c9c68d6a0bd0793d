// Fixtures under tests/testdata/ (recorded API documents, keys, certificates), located through
// a path fixed at build time so tests run from any working directory. Thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"

namespace certadns::test {

/// Absolute path of `relative` under tests/testdata, e.g. "dns/powerdns/zone.json".
std::string TestDataPath(std::string_view relative);

/// The contents of TestDataPath(relative). kNotFound when it cannot be read.
core::Result<std::string> ReadTestData(std::string_view relative);

}  // namespace certadns::test
