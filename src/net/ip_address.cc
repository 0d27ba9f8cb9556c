#include "net/ip_address.h"

#include <arpa/inet.h>

#include <cstring>

namespace mdo::net {

std::optional<IpAddress> IpAddress::Parse(std::string_view text) {
  // inet_pton needs a terminated string; addresses are short, so a stack buffer suffices.
  char buf[INET6_ADDRSTRLEN + 1];
  if (text.empty() || text.size() >= sizeof buf) return std::nullopt;
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  IpAddress ip;
  if (text.find(':') == std::string_view::npos) {
    // inet_pton accepts only strict dotted quads (no octal, no short forms), as RFC 7208 wants.
    if (inet_pton(AF_INET, buf, ip.bytes_.data()) != 1) return std::nullopt;
    ip.family_ = Family::kV4;
  } else {
    if (inet_pton(AF_INET6, buf, ip.bytes_.data()) != 1) return std::nullopt;
    ip.family_ = Family::kV6;
  }
  return ip;
}

IpAddress IpAddress::V4(std::uint32_t host_order) {
  IpAddress ip;
  ip.family_ = Family::kV4;
  ip.bytes_[0] = static_cast<std::uint8_t>(host_order >> 24);
  ip.bytes_[1] = static_cast<std::uint8_t>(host_order >> 16);
  ip.bytes_[2] = static_cast<std::uint8_t>(host_order >> 8);
  ip.bytes_[3] = static_cast<std::uint8_t>(host_order);
  return ip;
}

IpAddress IpAddress::V6(const std::array<std::uint8_t, 16>& bytes) {
  IpAddress ip;
  ip.family_ = Family::kV6;
  ip.bytes_ = bytes;
  return ip;
}

bool IpAddress::IsV4Mapped() const {
  if (!is_v6()) return false;
  for (int i = 0; i < 10; ++i) {
    if (bytes_[i] != 0) return false;
  }
  return bytes_[10] == 0xff && bytes_[11] == 0xff;
}

IpAddress IpAddress::Unmapped() const {
  if (!IsV4Mapped()) return *this;
  IpAddress ip;
  ip.family_ = Family::kV4;
  std::memcpy(ip.bytes_.data(), bytes_.data() + 12, 4);
  return ip;
}

bool IpAddress::InNetwork(const IpAddress& network, int prefix_len) const {
  if (family_ != network.family_) return false;
  const int max_bits = static_cast<int>(size()) * 8;
  if (prefix_len < 0 || prefix_len > max_bits) return false;
  const int full = prefix_len / 8;
  if (std::memcmp(bytes_.data(), network.bytes_.data(), full) != 0) return false;
  const int rest = prefix_len % 8;
  if (rest == 0) return true;
  const auto mask = static_cast<std::uint8_t>(0xff << (8 - rest));
  return (bytes_[full] & mask) == (network.bytes_[full] & mask);
}

std::string IpAddress::ToString() const {
  char buf[INET6_ADDRSTRLEN];
  inet_ntop(is_v4() ? AF_INET : AF_INET6, bytes_.data(), buf, sizeof buf);
  return buf;
}

std::string IpAddress::ReversedLabels() const {
  std::string out;
  if (is_v4()) {
    for (int i = 3; i >= 0; --i) {
      out += std::to_string(bytes_[i]);
      if (i) out += '.';
    }
    return out;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  out.reserve(63);
  for (int i = 15; i >= 0; --i) {
    out += kHex[bytes_[i] & 0xf];
    out += '.';
    out += kHex[bytes_[i] >> 4];
    if (i) out += '.';
  }
  return out;
}

std::string IpAddress::ReverseName() const {
  return ReversedLabels() + (is_v4() ? ".in-addr.arpa" : ".ip6.arpa");
}

}  // namespace mdo::net
