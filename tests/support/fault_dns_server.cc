#include "support/fault_dns_server.h"

#include <charconv>

#include "common/strings.h"
#include "support/wire_probe.h"

namespace mdo::testing {

namespace {
constexpr std::uint16_t kTypeTxt = 16;
}

Result<std::unique_ptr<FaultDnsServer>> FaultDnsServer::Start() {
  std::unique_ptr<FaultDnsServer> server(new FaultDnsServer());
  std::filesystem::path script = SourceDir() / "tests" / "support" / "fault_dns.py";
  Subprocess::Options options;
  options.stderr_file = server->dir_.path() / "fault_dns.log";
  // Debian's dnslib is only visible to the system interpreter, not to a pyenv python3 on PATH.
  auto process = Subprocess::Start({"/usr/bin/python3", script.string(), "0"}, options);
  if (!process.ok()) return Fail("cannot start fault_dns.py: " + process.error().message);
  server->process_ = std::move(process).value();
  auto line = server->process_->ReadLine(std::chrono::seconds(20));
  if (!line || !line->starts_with("ready ")) {
    return Fail("fault_dns.py did not become ready (" + script.string() + ")\n" + server->Log());
  }
  std::string_view digits = std::string_view(*line).substr(6);
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), server->port_);
  if (ec != std::errc() || server->port_ <= 0) return Fail("bad ready line: " + *line);
  return server;
}

FaultDnsServer::~FaultDnsServer() {
  if (process_) process_->Stop(std::chrono::milliseconds(500));
}

std::string FaultDnsServer::Log() const { return ReadFileOrEmpty(dir_.path() / "fault_dns.log"); }

int FaultDnsServer::ControlQuery(const std::string& name) const {
  // The server is local and idle apart from the test: retry a few times in case one datagram
  // is lost while the machine is busy.
  for (int attempt = 0; attempt < 5; ++attempt) {
    auto reply = ProbeUdp(port_, name, kTypeTxt, std::chrono::milliseconds(2000));
    if (!reply || reply->txt.empty()) continue;
    int value = -1;
    const std::string& text = reply->txt.front();
    std::from_chars(text.data(), text.data() + text.size(), value);
    return value;
  }
  return -1;
}

int FaultDnsServer::QueryCount() const { return ControlQuery("count.control"); }

int FaultDnsServer::QueryCount(std::string_view name) const {
  return ControlQuery("count." + NormalizeDnsName(name) + ".control");
}

int FaultDnsServer::TcpQueryCount(std::string_view name) const {
  return ControlQuery("tcpcount." + NormalizeDnsName(name) + ".control");
}

void FaultDnsServer::ResetCounts() const { ControlQuery("reset.control"); }

}  // namespace mdo::testing
