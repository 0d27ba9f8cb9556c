// Where DNS questions go: "HOST[:PORT]" server addresses and /etc/resolv.conf.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "net/ip_address.h"

namespace mdo::dns {

struct ServerAddress {
  net::IpAddress ip;
  std::uint16_t port = 53;

  // "192.0.2.1:53", "[2001:db8::1]:53".
  std::string ToString() const;
  friend bool operator==(const ServerAddress&, const ServerAddress&) = default;
};

// Accepts "192.0.2.1", "192.0.2.1:5300", "2001:db8::1", "::1", "[::1]", "[::1]:5300".
// Host names are refused (the resolver cannot resolve its own servers); the error says what is
// wrong with the text, quoting it.
Result<ServerAddress> ParseServerAddress(std::string_view text);

// The "nameserver" lines of a resolv.conf text, in order. Lines that are not IP addresses (and
// IPv6 addresses with a zone id, which c-ares cannot take) are skipped.
std::vector<ServerAddress> ParseResolvConf(std::string_view text);

// The servers of /etc/resolv.conf (or `path`), or 127.0.0.1:53 when it lists none, as libc does.
std::vector<ServerAddress> SystemServers(const std::string& path = "/etc/resolv.conf");

}  // namespace mdo::dns
