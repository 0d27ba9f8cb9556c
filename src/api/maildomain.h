// The MailDomain API (DESIGN section 4), group mailops.dev, version v1alpha1: the spec as typed
// values with every default, and a parser from JSON whose errors name the field path
// (`spec.senders[1]: "300.1.2.3" is not an IPv4 or IPv6 address`). Shared by the CLI (-f) and
// the controller; free of CLI concerns.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "net/ip_address.h"

namespace mdo::api {

inline constexpr std::string_view kGroup = "mailops.dev";
inline constexpr std::string_view kVersion = "v1alpha1";
inline constexpr std::string_view kApiVersion = "mailops.dev/v1alpha1";
inline constexpr std::string_view kKind = "MailDomain";

enum class DmarcPolicy { kNone, kQuarantine, kReject };
std::string_view ToString(DmarcPolicy policy);

struct SpfSpec {
  bool enabled = true;
  bool require_hard_fail = false;
};

struct DkimSpec {
  std::vector<std::string> selectors;  // empty: DKIM cannot be checked (DKIMNoSelectors)
  int minimum_key_bits = 2048;         // 1024..16384
};

struct DmarcSpec {
  bool enabled = true;
  DmarcPolicy minimum_policy = DmarcPolicy::kNone;
  bool require_reports = false;
};

struct MxSpec {
  bool required = true;  // false for send-only domains
};

struct ReverseDnsSpec {
  bool enabled = true;
};

struct BlacklistsSpec {
  bool enabled = true;
  std::vector<std::string> ip_zones;      // empty: the operator's defaults
  std::vector<std::string> domain_zones;  // empty: the operator's defaults
};

struct MailDomainSpec {
  std::string domain;  // A-label form, lower-case, no trailing dot
  std::chrono::seconds check_interval{3600};
  bool suspend = false;
  std::vector<net::IpAddress> senders;
  SpfSpec spf;
  DkimSpec dkim;
  DmarcSpec dmarc;
  MxSpec mx;
  ReverseDnsSpec reverse_dns;
  BlacklistsSpec blacklists;
};

struct MailDomain {
  std::string name;
  std::string namespace_name;  // "" when the manifest gives none
  MailDomainSpec spec;
};

inline constexpr std::chrono::seconds kMinimumCheckInterval{60};
inline constexpr std::size_t kMaxSenders = 64;
inline constexpr std::size_t kMaxSelectors = 32;
inline constexpr std::size_t kMaxZones = 32;

// A domain as typed by a person -> its A-label form (IDN via libidn2, IDNA 2008), lower-case,
// without trailing dot. Errors say what is wrong ("label longer than 63 characters", ...).
// `min_labels`: 2 for mail domains; 1 accepts single-label names.
Result<std::string> NormalizeDomain(std::string_view input, int min_labels = 2);

// checkInterval: a Go duration ("1h", "90m", "1h30m"), at least 1m, whole seconds kept.
Result<std::chrono::seconds> ParseCheckInterval(std::string_view text);

// A DKIM selector: one or more dot-separated labels of letters, digits, '_' and '-'.
bool IsValidSelector(std::string_view selector);

// The `spec` object. `path` prefixes field names in errors ("spec" gives "spec.senders[1]").
Result<MailDomainSpec> ParseMailDomainSpec(const nlohmann::json& spec,
                                           std::string_view path = "spec");

// A whole MailDomain object (apiVersion, kind, metadata.name, metadata.namespace, spec).
Result<MailDomain> ParseMailDomain(const nlohmann::json& object);

// The spec with every default filled in, in the API's JSON shape.
nlohmann::json ToJson(const MailDomainSpec& spec);

}  // namespace mdo::api
