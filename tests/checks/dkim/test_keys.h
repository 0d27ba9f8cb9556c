// Reads the public keys in tests/checks/dkim/testdata (see its README.md).
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

namespace mdo::checks::dkim::testing {

inline std::filesystem::path SourceDir() {
  if (const char* dir = std::getenv("MDO_SOURCE_DIR"); dir && *dir) return dir;
  // tests/checks/dkim/test_keys.h -> the repository root.
  return std::filesystem::path(__FILE__).parent_path().parent_path().parent_path().parent_path();
}

inline std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

inline std::string TestKey(const std::string& file) {
  return ReadFile(SourceDir() / "tests/checks/dkim/testdata" / file);
}

}  // namespace mdo::checks::dkim::testing
