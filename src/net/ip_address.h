// An IPv4 or IPv6 address as a value: parsing, formatting, CIDR matching, reverse names.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mdo::net {

class IpAddress {
 public:
  enum class Family { kV4, kV6 };

  // Parses dotted-quad IPv4 or RFC 4291 IPv6 text (no zone ids, no brackets, no prefix).
  static std::optional<IpAddress> Parse(std::string_view text);
  static IpAddress V4(std::uint32_t host_order);
  static IpAddress V6(const std::array<std::uint8_t, 16>& bytes);

  Family family() const { return family_; }
  bool is_v4() const { return family_ == Family::kV4; }
  bool is_v6() const { return family_ == Family::kV6; }
  // 4 bytes for IPv4, 16 for IPv6, network order.
  const std::uint8_t* bytes() const { return bytes_.data(); }
  std::size_t size() const { return is_v4() ? 4 : 16; }

  // ::ffff:a.b.c.d is an IPv4 address in IPv6 clothing (RFC 4291 2.5.5.2).
  bool IsV4Mapped() const;
  // The IPv4 address inside a mapped IPv6 address; *this otherwise.
  IpAddress Unmapped() const;

  // True when the first `prefix_len` bits equal `network`'s; families must match.
  bool InNetwork(const IpAddress& network, int prefix_len) const;

  // Canonical text: dotted quad, or RFC 5952 compressed lower-case IPv6.
  std::string ToString() const;
  // Dotted reversed form without zone: "4.3.2.1" or 32 dot-separated nibbles (RFC 5782 2.4).
  std::string ReversedLabels() const;
  // The PTR question name: "4.3.2.1.in-addr.arpa" or "...ip6.arpa".
  std::string ReverseName() const;

  friend bool operator==(const IpAddress& a, const IpAddress& b) = default;
  friend auto operator<=>(const IpAddress& a, const IpAddress& b) = default;

 private:
  Family family_ = Family::kV4;
  std::array<std::uint8_t, 16> bytes_{};
};

}  // namespace mdo::net
