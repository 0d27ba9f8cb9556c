// A real authoritative DNS server for tests: knotd on a free loopback port (UDP and TCP),
// serving zone files from a private temp folder. Start-up is about 30 ms.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "support/process.h"
#include "support/test_env.h"

namespace mdo::testing {

struct ZoneFile {
  std::string name;            // the zone apex, e.g. "dns.test" (no trailing dot)
  std::filesystem::path file;  // the zone file's text is read from here at Start()
};

// Every "*.zone" file in `dir`, zone name = file name minus ".zone", sorted by name.
std::vector<ZoneFile> ZonesFromDirectory(const std::filesystem::path& dir);

class KnotServer {
 public:
  struct Options {
    std::chrono::milliseconds start_timeout{15000};
    // Also listen on [::1] (same port), for tests of IPv6 server addresses.
    bool listen_ipv6 = false;
  };

  // Copies the zones into a fresh temp folder, writes knot.conf, starts knotd in the
  // foreground and returns once every zone answers its SOA over UDP. The error names what
  // failed and includes knotd's log.
  static Result<std::unique_ptr<KnotServer>> Start(const std::vector<ZoneFile>& zones);
  static Result<std::unique_ptr<KnotServer>> Start(const std::vector<ZoneFile>& zones,
                                                   const Options& options);
  // SIGTERM, then SIGKILL after a bound.
  ~KnotServer();

  int port() const { return port_; }
  // "127.0.0.1:PORT", the form --dns-server and ResolverOptions take.
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  // "[::1]:PORT"; served only with Options::listen_ipv6.
  std::string address6() const { return "[::1]:" + std::to_string(port_); }
  const std::filesystem::path& work_dir() const { return dir_.path(); }
  // knotd's log so far (for assertion messages).
  std::string Log() const;

  // Replaces the text of a served zone (or adds a file for a configured zone), reloads it and
  // waits until the new SOA serial is served. Bump the serial in `text` to be sure the change is
  // observed; without a serial change this waits only for the reload to finish.
  Status ReplaceZone(std::string_view name, std::string_view text);
  // Reloads every zone from its file and waits until each answers.
  Status Reload();

 private:
  KnotServer() = default;
  Status Knotc(const std::vector<std::string>& args);
  Status WaitForZones(std::chrono::milliseconds timeout);

  TempDir dir_{"mdo-knot"};
  int port_ = 0;
  std::vector<std::string> zone_names_;
  std::unique_ptr<Subprocess> process_;
};

// The SOA serial written in zone-file text (the third field after "SOA"), if it can be found.
std::optional<std::uint32_t> SoaSerialInZoneText(std::string_view text);

}  // namespace mdo::testing
