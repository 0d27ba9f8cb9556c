#include "support/test_env.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <system_error>

namespace mdo::testing {

namespace {

std::filesystem::path EnvPath(const char* name, const std::filesystem::path& fallback) {
  const char* value = std::getenv(name);
  if (value != nullptr && *value != '\0') return value;
  return fallback;
}

bool CanBind(int type, int port) {
  int fd = ::socket(AF_INET, type | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

// Also free on [::1] where the machine has IPv6 loopback (servers may listen on both).
bool CanBindV6(int type, int port) {
  int fd = ::socket(AF_INET6, type | SOCK_CLOEXEC, 0);
  if (fd < 0) return true;
  sockaddr_in6 addr{};
  addr.sin6_family = AF_INET6;
  addr.sin6_port = htons(static_cast<std::uint16_t>(port));
  addr.sin6_addr = in6addr_loopback;
  int one = 1;
  ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
  bool ok =
      ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 || errno == EADDRNOTAVAIL;
  ::close(fd);
  return ok;
}

}  // namespace

std::filesystem::path SourceDir() {
  return EnvPath("MDO_SOURCE_DIR", std::filesystem::current_path());
}

std::filesystem::path BinaryDir() { return EnvPath("MDO_BINARY_DIR", SourceDir() / "build"); }

std::filesystem::path SharedDir() {
  return EnvPath("MDO_SHARED_DIR", SourceDir() / ".." / "shared");
}

int FreePort() {
  // Random probing in [20000, 32000): parallel test processes rarely collide, and a collision
  // shows up as a failed bind here, not later in the server.
  static thread_local std::mt19937 rng(std::random_device{}() ^
                                       static_cast<unsigned>(::getpid()) * 2654435761u);
  std::uniform_int_distribution<int> dist(20000, 31999);
  for (int attempt = 0; attempt < 1000; ++attempt) {
    int port = dist(rng);
    if (CanBind(SOCK_STREAM, port) && CanBind(SOCK_DGRAM, port) && CanBindV6(SOCK_STREAM, port) &&
        CanBindV6(SOCK_DGRAM, port)) {
      return port;
    }
  }
  throw std::runtime_error("no free loopback port found");
}

TempDir::TempDir(std::string_view prefix) {
  std::filesystem::path base = EnvPath("TMPDIR", "/tmp");
  std::string pattern = (base / (std::string(prefix) + "-XXXXXX")).string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    throw std::system_error(errno, std::generic_category(), "mkdtemp " + pattern);
  }
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

std::filesystem::path TempDir::WriteFile(std::string_view relative,
                                         std::string_view content) const {
  std::filesystem::path full = path_ / relative;
  std::filesystem::create_directories(full.parent_path());
  std::ofstream out(full, std::ios::binary | std::ios::trunc);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  if (!out) throw std::runtime_error("cannot write " + full.string());
  return full;
}

std::string ReadFileOrEmpty(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace mdo::testing
