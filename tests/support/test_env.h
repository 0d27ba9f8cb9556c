// Where tests find things, free loopback ports and throw-away folders.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace mdo::testing {

// The repository (env MDO_SOURCE_DIR, else the current directory).
std::filesystem::path SourceDir();
// The build directory (env MDO_BINARY_DIR, else SourceDir()/build).
std::filesystem::path BinaryDir();
// Read-only shared test data (env MDO_SHARED_DIR, else SourceDir()/../shared).
std::filesystem::path SharedDir();

// A loopback port that is free for both UDP and TCP right now. Chosen below the kernel's
// ephemeral range so that client sockets (which take ephemeral ports) cannot steal it between
// this call and the server's bind.
int FreePort();

// A fresh folder under $TMPDIR (or /tmp), removed with everything in it on destruction.
class TempDir {
 public:
  explicit TempDir(std::string_view prefix = "mdo-test");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  // Writes `content` to path()/relative (creating folders) and returns the full path.
  std::filesystem::path WriteFile(std::string_view relative, std::string_view content) const;

 private:
  std::filesystem::path path_;
};

// Reads a whole file; "" when it cannot be read.
std::string ReadFileOrEmpty(const std::filesystem::path& path);

}  // namespace mdo::testing
