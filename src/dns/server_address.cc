#include "dns/server_address.h"

#include <charconv>
#include <fstream>
#include <sstream>

#include "common/strings.h"

namespace mdo::dns {

namespace {

Result<std::uint16_t> ParsePort(std::string_view digits, std::string_view text) {
  unsigned value = 0;
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (digits.empty() || ec != std::errc() || ptr != digits.data() + digits.size() || value == 0 ||
      value > 65535) {
    return Fail("DNS server " + QuoteForMessage(text) +
                ": the port must be a number from 1 to 65535");
  }
  return static_cast<std::uint16_t>(value);
}

Result<net::IpAddress> ParseIp(std::string_view host, std::string_view text) {
  auto ip = net::IpAddress::Parse(host);
  if (!ip) {
    return Fail("DNS server " + QuoteForMessage(text) +
                " is not an IP address (give an IPv4 or IPv6 address, optionally with :PORT, "
                "IPv6 with a port as [ADDRESS]:PORT)");
  }
  return *ip;
}

}  // namespace

std::string ServerAddress::ToString() const {
  if (ip.is_v6()) return "[" + ip.ToString() + "]:" + std::to_string(port);
  return ip.ToString() + ":" + std::to_string(port);
}

Result<ServerAddress> ParseServerAddress(std::string_view text) {
  std::string_view s = TrimWhitespace(text);
  if (s.empty()) return Fail("DNS server address is empty");
  ServerAddress server;
  std::string_view host = s;
  if (s.front() == '[') {
    auto close = s.find(']');
    if (close == std::string_view::npos) {
      return Fail("DNS server " + QuoteForMessage(text) + ": missing ']' after the IPv6 address");
    }
    host = s.substr(1, close - 1);
    std::string_view rest = s.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') {
        return Fail("DNS server " + QuoteForMessage(text) + ": expected ':PORT' after ']'");
      }
      auto port = ParsePort(rest.substr(1), text);
      if (!port.ok()) return MakeUnexpected(port.error());
      server.port = *port;
    }
    auto ip = ParseIp(host, text);
    if (!ip.ok()) return MakeUnexpected(ip.error());
    if (!ip->is_v6()) {
      return Fail("DNS server " + QuoteForMessage(text) + ": brackets are for IPv6 addresses");
    }
    server.ip = *ip;
    return server;
  }
  auto first_colon = s.find(':');
  if (first_colon != std::string_view::npos && s.find(':', first_colon + 1) == s.npos) {
    // Exactly one colon: IPv4 (or a name) with a port.
    host = s.substr(0, first_colon);
    auto port = ParsePort(s.substr(first_colon + 1), text);
    if (!port.ok()) return MakeUnexpected(port.error());
    server.port = *port;
  }
  if (host.find('%') != std::string_view::npos) {
    return Fail("DNS server " + QuoteForMessage(text) + ": IPv6 zone ids are not supported");
  }
  auto ip = ParseIp(host, text);
  if (!ip.ok()) return MakeUnexpected(ip.error());
  server.ip = *ip;
  return server;
}

std::vector<ServerAddress> ParseResolvConf(std::string_view text) {
  std::vector<ServerAddress> servers;
  for (std::string_view line : Split(text, '\n')) {
    auto comment = line.find_first_of("#;");
    if (comment != std::string_view::npos) line = line.substr(0, comment);
    auto fields = SplitSkipEmpty(line, " \t\r");
    if (fields.size() < 2 || fields[0] != "nameserver") continue;
    if (fields[1].find('%') != std::string_view::npos) continue;
    auto ip = net::IpAddress::Parse(fields[1]);
    if (!ip) continue;
    servers.push_back({*ip, 53});
  }
  return servers;
}

std::vector<ServerAddress> SystemServers(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  std::vector<ServerAddress> servers = ParseResolvConf(text.str());
  if (servers.empty()) servers.push_back({*net::IpAddress::Parse("127.0.0.1"), 53});
  return servers;
}

}  // namespace mdo::dns
