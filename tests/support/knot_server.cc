#include "support/knot_server.h"

#include <algorithm>
#include <fstream>
#include <thread>

#include "common/strings.h"
#include "support/wire_probe.h"

namespace mdo::testing {

namespace {

constexpr std::uint16_t kTypeSoa = 6;
constexpr int kPortAttempts = 5;

std::string KnotConfig(const std::filesystem::path& dir, int port,
                       const std::vector<std::string>& zones, bool ipv6) {
  std::string conf;
  conf += "server:\n";
  conf += "    rundir: \"" + (dir / "run").string() + "\"\n";
  conf += "    pidfile: \"" + (dir / "run" / "knot.pid").string() + "\"\n";
  conf += "    listen: [ 127.0.0.1@" + std::to_string(port);
  if (ipv6) conf += ", ::1@" + std::to_string(port);
  conf += " ]\n";
  // Two cores shared by many parallel tests: keep the thread count small.
  conf += "    udp-workers: 1\n    tcp-workers: 1\n    background-workers: 1\n";
  conf += "log:\n  - target: stderr\n    any: info\n";
  conf += "database:\n    storage: \"" + (dir / "db").string() + "\"\n";
  conf += "control:\n    listen: \"" + (dir / "run" / "knot.sock").string() + "\"\n";
  conf += "template:\n  - id: default\n";
  conf += "    storage: \"" + (dir / "zones").string() + "\"\n";
  conf += "    file: \"%s.zone\"\n";
  // The zone file is the only source of truth: no journal, no write-back, no DNSSEC checks.
  conf += "    zonefile-sync: -1\n    zonefile-load: whole\n    journal-content: none\n";
  conf += "    semantic-checks: off\n";
  conf += "zone:\n";
  for (const auto& zone : zones) conf += "  - domain: \"" + zone + ".\"\n";
  return conf;
}

}  // namespace

std::vector<ZoneFile> ZonesFromDirectory(const std::filesystem::path& dir) {
  std::vector<ZoneFile> zones;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (!entry.is_regular_file() || entry.path().extension() != ".zone") continue;
    zones.push_back({entry.path().stem().string(), entry.path()});
  }
  std::sort(zones.begin(), zones.end(),
            [](const ZoneFile& a, const ZoneFile& b) { return a.name < b.name; });
  return zones;
}

std::optional<std::uint32_t> SoaSerialInZoneText(std::string_view text) {
  // Tokenise, dropping comments and parentheses; the serial is the third token after "SOA".
  std::vector<std::string> tokens;
  std::string current;
  bool in_comment = false;
  for (char c : text) {
    if (in_comment) {
      if (c == '\n') in_comment = false;
      continue;
    }
    if (c == ';' || c == '(' || c == ')' || c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      if (!current.empty()) tokens.push_back(std::move(current));
      current.clear();
      if (c == ';') in_comment = true;
      continue;
    }
    current += c;
  }
  if (!current.empty()) tokens.push_back(current);
  for (std::size_t i = 0; i + 3 < tokens.size(); ++i) {
    if (!EqualsIgnoreCase(tokens[i], "SOA")) continue;
    const std::string& serial = tokens[i + 3];
    if (serial.empty() || serial.size() > 10 ||
        !std::all_of(serial.begin(), serial.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return std::nullopt;
    }
    std::uint64_t value = std::stoull(serial);
    if (value > UINT32_MAX) return std::nullopt;
    return static_cast<std::uint32_t>(value);
  }
  return std::nullopt;
}

Result<std::unique_ptr<KnotServer>> KnotServer::Start(const std::vector<ZoneFile>& zones) {
  return Start(zones, Options{});
}

Result<std::unique_ptr<KnotServer>> KnotServer::Start(const std::vector<ZoneFile>& zones,
                                                      const Options& options) {
  std::unique_ptr<KnotServer> server(new KnotServer());
  const auto& dir = server->dir_.path();
  std::filesystem::create_directories(dir / "run");
  std::filesystem::create_directories(dir / "db");
  std::filesystem::create_directories(dir / "zones");
  for (const auto& zone : zones) {
    std::string name = NormalizeDnsName(zone.name);
    std::error_code ec;
    std::filesystem::copy_file(zone.file, dir / "zones" / (name + ".zone"),
                               std::filesystem::copy_options::overwrite_existing, ec);
    if (ec) return Fail("cannot copy zone file " + zone.file.string() + ": " + ec.message());
    server->zone_names_.push_back(name);
  }
  std::string last_error;
  // A port can be taken between FreePort() and knotd's bind; try a few.
  for (int attempt = 0; attempt < kPortAttempts; ++attempt) {
    server->port_ = FreePort();
    server->dir_.WriteFile(
        "knot.conf", KnotConfig(dir, server->port_, server->zone_names_, options.listen_ipv6));
    Subprocess::Options process_options;
    process_options.stderr_file = dir / "knotd.log";
    auto process =
        Subprocess::Start({"knotd", "-c", (dir / "knot.conf").string()}, process_options);
    if (!process.ok()) return Fail("cannot start knotd: " + process.error().message);
    server->process_ = std::move(process).value();
    Status ready = server->WaitForZones(options.start_timeout);
    if (ready.ok()) return server;
    last_error = ready.error().message;
    bool exited = !server->process_->Running();
    server->process_.reset();
    if (!exited) break;  // running but not answering: another port will not help
  }
  return Fail("knotd did not start: " + last_error + "\n--- knotd log ---\n" + server->Log());
}

KnotServer::~KnotServer() {
  // knotd's graceful stop takes ~1.7 s; the data is throw-away, so the bound is short.
  if (process_) process_->Stop(std::chrono::milliseconds(300));
}

std::string KnotServer::Log() const { return ReadFileOrEmpty(dir_.path() / "knotd.log"); }

Status KnotServer::WaitForZones(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (const auto& zone : zone_names_) {
    while (true) {
      auto reply = ProbeUdp(port_, zone, kTypeSoa, std::chrono::milliseconds(100));
      if (reply && reply->rcode == 0 && reply->soa_serial) break;
      if (process_ && !process_->Running()) return Fail("knotd exited");
      if (std::chrono::steady_clock::now() >= deadline) {
        return Fail("zone " + zone + " not served on port " + std::to_string(port_));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));  // polling interval
    }
  }
  return {};
}

Status KnotServer::Knotc(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"knotc", "-c", (dir_.path() / "knot.conf").string(),
                                   "-b",    "-t", "20"};
  argv.insert(argv.end(), args.begin(), args.end());
  ProcessResult result = RunProcess(argv, {}, {}, std::chrono::seconds(30));
  if (!result.exited_ok()) return Fail("knotc failed: " + result.Describe());
  return {};
}

Status KnotServer::ReplaceZone(std::string_view name, std::string_view text) {
  std::string zone = NormalizeDnsName(name);
  if (std::find(zone_names_.begin(), zone_names_.end(), zone) == zone_names_.end()) {
    return Fail("zone " + zone + " is not configured in this server");
  }
  // Write a new file and rename it into place so knotd never reads a half-written zone.
  std::filesystem::path final_path = dir_.path() / "zones" / (zone + ".zone");
  std::filesystem::path temp_path = final_path;
  temp_path += ".tmp";
  {
    std::ofstream out(temp_path, std::ios::binary | std::ios::trunc);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    if (!out) return Fail("cannot write " + temp_path.string());
  }
  std::filesystem::rename(temp_path, final_path);
  if (Status s = Knotc({"zone-reload", zone + "."}); !s.ok()) return s;
  std::optional<std::uint32_t> serial = SoaSerialInZoneText(text);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (true) {
    auto reply = ProbeUdp(port_, zone, kTypeSoa, std::chrono::milliseconds(100));
    if (reply && reply->rcode == 0 && reply->soa_serial &&
        (!serial || *reply->soa_serial == *serial)) {
      return {};
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      return Fail("zone " + zone + " not served with its new serial after reload\n" + Log());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // polling interval
  }
}

Status KnotServer::Reload() {
  for (const auto& zone : zone_names_) {
    if (Status s = Knotc({"zone-reload", zone + "."}); !s.ok()) return s;
  }
  return WaitForZones(std::chrono::seconds(10));
}

}  // namespace mdo::testing
