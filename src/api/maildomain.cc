#include "api/maildomain.h"

#include <idn2.h>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <set>

#include "common/duration.h"
#include "common/strings.h"

namespace mdo::api {
namespace {

using nlohmann::json;

std::string Quote(const json& value) {
  if (value.is_string()) return QuoteForMessage(value.get<std::string>(), 100);
  return value.dump(-1, ' ', false, json::error_handler_t::replace).substr(0, 100);
}

std::string TypeName(const json& value) {
  if (value.is_null()) return "null";
  if (value.is_boolean()) return "a boolean";
  if (value.is_number()) return "a number";
  if (value.is_string()) return "a string";
  if (value.is_array()) return "a list";
  return "an object";
}

// Field readers: each checks the type and reports the path on error.
class Fields {
 public:
  Fields(const json& object, std::string path) : object_(object), path_(std::move(path)) {}

  // Fails on fields not in `known` (a typo would otherwise silently keep a default).
  Status OnlyKnown(std::initializer_list<std::string_view> known) const {
    for (const auto& [key, value] : object_.items()) {
      if (std::find(known.begin(), known.end(), key) == known.end()) {
        return Fail(path_ + ": unknown field " + QuoteForMessage(key, 60));
      }
    }
    return {};
  }

  const json* Get(std::string_view key) const {
    auto it = object_.find(key);
    if (it == object_.end() || it->is_null()) return nullptr;
    return &*it;
  }

  std::string PathOf(std::string_view key) const { return path_ + "." + std::string(key); }

  Status Bool(std::string_view key, bool& out) const {
    const json* v = Get(key);
    if (!v) return {};
    if (!v->is_boolean()) return Fail(PathOf(key) + ": expected true or false, got " + Quote(*v));
    out = v->get<bool>();
    return {};
  }

  Status String(std::string_view key, std::string& out, bool required = false) const {
    const json* v = Get(key);
    if (!v) {
      if (required) return Fail(PathOf(key) + ": required field is missing");
      return {};
    }
    if (!v->is_string()) return Fail(PathOf(key) + ": expected a string, got " + TypeName(*v));
    out = v->get<std::string>();
    return {};
  }

  Status StringList(std::string_view key, std::size_t max_items,
                    std::vector<std::string>& out) const {
    const json* v = Get(key);
    if (!v) return {};
    if (!v->is_array()) return Fail(PathOf(key) + ": expected a list, got " + TypeName(*v));
    if (v->size() > max_items) {
      return Fail(PathOf(key) + ": at most " + std::to_string(max_items) +
                  " entries allowed, got " + std::to_string(v->size()));
    }
    for (std::size_t i = 0; i < v->size(); ++i) {
      const json& item = (*v)[i];
      if (!item.is_string()) {
        return Fail(PathOf(key) + "[" + std::to_string(i) + "]: expected a string, got " +
                    TypeName(item));
      }
      out.push_back(item.get<std::string>());
    }
    return {};
  }

  Result<Fields> Object(std::string_view key) const {
    const json* v = Get(key);
    static const json kEmpty = json::object();
    if (!v) return Fields(kEmpty, PathOf(key));
    if (!v->is_object()) return Fail(PathOf(key) + ": expected an object, got " + TypeName(*v));
    return Fields(*v, PathOf(key));
  }

 private:
  const json& object_;
  std::string path_;
};

bool IsLdhLabel(std::string_view label) {
  if (label.empty() || label.size() > 63) return false;
  if (label.front() == '-' || label.back() == '-') return false;
  return std::all_of(label.begin(), label.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

#define MDO_RETURN_IF_ERROR(expr)                            \
  do {                                                       \
    if (auto status_ = (expr); !status_.ok()) {              \
      return MakeUnexpected(Error{status_.error().message}); \
    }                                                        \
  } while (false)

}  // namespace

std::string_view ToString(DmarcPolicy policy) {
  switch (policy) {
    case DmarcPolicy::kNone:
      return "none";
    case DmarcPolicy::kQuarantine:
      return "quarantine";
    case DmarcPolicy::kReject:
      return "reject";
  }
  return "none";
}

Result<std::string> NormalizeDomain(std::string_view input_in, int min_labels) {
  std::string_view input = TrimWhitespace(input_in);
  const std::string quoted = QuoteForMessage(input, 100);
  if (input.empty()) return Fail("the domain is empty");
  if (input.size() > 1024) return Fail("the domain " + quoted + " is too long");
  if (input.back() == '.') input.remove_suffix(1);
  std::string ascii;
  const bool is_ascii = std::all_of(input.begin(), input.end(),
                                    [](char c) { return static_cast<unsigned char>(c) < 0x80; });
  if (is_ascii) {
    ascii = AsciiLower(input);
  } else {
    const std::string terminated(input);
    char* out = nullptr;
    int rc = idn2_to_ascii_8z(terminated.c_str(), &out, IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT);
    if (rc != IDN2_OK) {
      return Fail(quoted + " is not a valid internationalised domain name: " + idn2_strerror(rc));
    }
    std::unique_ptr<char, decltype(&std::free)> owned(out, &std::free);
    ascii = AsciiLower(out);
  }
  if (ascii.size() > 253) return Fail("the domain " + quoted + " is longer than 253 characters");
  std::vector<std::string_view> labels = Split(ascii, '.');
  for (std::string_view label : labels) {
    if (label.empty()) return Fail("the domain " + quoted + " has an empty label");
    if (label.size() > 63) {
      return Fail("the domain " + quoted + " has a label longer than 63 characters");
    }
    if (!IsLdhLabel(label)) {
      return Fail("the domain " + quoted + " has the invalid label " + QuoteForMessage(label, 63) +
                  " (letters, digits and inner hyphens only)");
    }
  }
  if (static_cast<int>(labels.size()) < min_labels) {
    return Fail("the domain " + quoted + " needs at least " + std::to_string(min_labels) +
                " labels, e.g. example.com");
  }
  if (std::all_of(labels.back().begin(), labels.back().end(),
                  [](char c) { return c >= '0' && c <= '9'; })) {
    return Fail(quoted + " is not a domain name (its last label is numeric)");
  }
  return ascii;
}

Result<std::chrono::seconds> ParseCheckInterval(std::string_view text) {
  Result<std::chrono::nanoseconds> d = ParseDuration(text);
  if (!d.ok()) return MakeUnexpected(d.error());
  auto seconds = std::chrono::duration_cast<std::chrono::seconds>(*d);
  if (seconds < kMinimumCheckInterval) {
    return Fail("checkInterval " + QuoteForMessage(text, 64) + " is shorter than the minimum 1m");
  }
  return seconds;
}

bool IsValidSelector(std::string_view selector) {
  if (selector.empty() || selector.size() > 253) return false;
  for (std::string_view label : Split(selector, '.')) {
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
      return false;
    }
    for (char c : label) {
      const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '_' || c == '-';
      if (!ok) return false;
    }
  }
  return true;
}

Result<MailDomainSpec> ParseMailDomainSpec(const json& spec_json, std::string_view path_in) {
  const std::string path(path_in);
  if (!spec_json.is_object())
    return Fail(path + ": expected an object, got " + TypeName(spec_json));
  MailDomainSpec spec;
  Fields f(spec_json, path);
  MDO_RETURN_IF_ERROR(f.OnlyKnown({"domain", "checkInterval", "suspend", "senders", "spf", "dkim",
                                   "dmarc", "mx", "reverseDNS", "blacklists"}));

  std::string domain;
  MDO_RETURN_IF_ERROR(f.String("domain", domain, /*required=*/true));
  Result<std::string> normalized = NormalizeDomain(domain);
  if (!normalized.ok()) return Fail(f.PathOf("domain") + ": " + normalized.error().message);
  spec.domain = *normalized;

  std::string interval;
  MDO_RETURN_IF_ERROR(f.String("checkInterval", interval));
  if (!interval.empty()) {
    Result<std::chrono::seconds> parsed = ParseCheckInterval(interval);
    if (!parsed.ok()) return Fail(f.PathOf("checkInterval") + ": " + parsed.error().message);
    spec.check_interval = *parsed;
  }
  MDO_RETURN_IF_ERROR(f.Bool("suspend", spec.suspend));

  std::vector<std::string> senders;
  MDO_RETURN_IF_ERROR(f.StringList("senders", kMaxSenders, senders));
  for (std::size_t i = 0; i < senders.size(); ++i) {
    std::optional<net::IpAddress> ip = net::IpAddress::Parse(TrimWhitespace(senders[i]));
    if (!ip) {
      return Fail(f.PathOf("senders") + "[" + std::to_string(i) +
                  "]: " + QuoteForMessage(senders[i], 60) + " is not an IPv4 or IPv6 address");
    }
    if (std::find(spec.senders.begin(), spec.senders.end(), *ip) == spec.senders.end()) {
      spec.senders.push_back(*ip);
    }
  }

  Result<Fields> spf = f.Object("spf");
  if (!spf.ok()) return MakeUnexpected(spf.error());
  MDO_RETURN_IF_ERROR(spf->OnlyKnown({"enabled", "requireHardFail"}));
  MDO_RETURN_IF_ERROR(spf->Bool("enabled", spec.spf.enabled));
  MDO_RETURN_IF_ERROR(spf->Bool("requireHardFail", spec.spf.require_hard_fail));

  Result<Fields> dkim = f.Object("dkim");
  if (!dkim.ok()) return MakeUnexpected(dkim.error());
  MDO_RETURN_IF_ERROR(dkim->OnlyKnown({"selectors", "minimumKeyBits"}));
  std::vector<std::string> selectors;
  MDO_RETURN_IF_ERROR(dkim->StringList("selectors", kMaxSelectors, selectors));
  for (std::size_t i = 0; i < selectors.size(); ++i) {
    if (!IsValidSelector(selectors[i])) {
      return Fail(dkim->PathOf("selectors") + "[" + std::to_string(i) +
                  "]: " + QuoteForMessage(selectors[i], 60) +
                  " is not a DKIM selector (letters, digits, '_' and '-', dot-separated)");
    }
    std::string lower = AsciiLower(selectors[i]);
    if (std::find(spec.dkim.selectors.begin(), spec.dkim.selectors.end(), lower) ==
        spec.dkim.selectors.end()) {
      spec.dkim.selectors.push_back(std::move(lower));
    }
  }
  if (const json* bits = dkim->Get("minimumKeyBits")) {
    if (!bits->is_number_integer() || *bits < 1024 || *bits > 16384) {
      return Fail(dkim->PathOf("minimumKeyBits") +
                  ": expected an integer from 1024 to 16384, got " + Quote(*bits));
    }
    spec.dkim.minimum_key_bits = bits->get<int>();
  }

  Result<Fields> dmarc = f.Object("dmarc");
  if (!dmarc.ok()) return MakeUnexpected(dmarc.error());
  MDO_RETURN_IF_ERROR(dmarc->OnlyKnown({"enabled", "minimumPolicy", "requireReports"}));
  MDO_RETURN_IF_ERROR(dmarc->Bool("enabled", spec.dmarc.enabled));
  MDO_RETURN_IF_ERROR(dmarc->Bool("requireReports", spec.dmarc.require_reports));
  std::string policy;
  MDO_RETURN_IF_ERROR(dmarc->String("minimumPolicy", policy));
  if (policy == "none" || policy.empty()) {
    spec.dmarc.minimum_policy = DmarcPolicy::kNone;
  } else if (policy == "quarantine") {
    spec.dmarc.minimum_policy = DmarcPolicy::kQuarantine;
  } else if (policy == "reject") {
    spec.dmarc.minimum_policy = DmarcPolicy::kReject;
  } else {
    return Fail(dmarc->PathOf("minimumPolicy") + ": " + QuoteForMessage(policy, 40) +
                " is not one of none, quarantine, reject");
  }

  Result<Fields> mx = f.Object("mx");
  if (!mx.ok()) return MakeUnexpected(mx.error());
  MDO_RETURN_IF_ERROR(mx->OnlyKnown({"required"}));
  MDO_RETURN_IF_ERROR(mx->Bool("required", spec.mx.required));

  Result<Fields> rdns = f.Object("reverseDNS");
  if (!rdns.ok()) return MakeUnexpected(rdns.error());
  MDO_RETURN_IF_ERROR(rdns->OnlyKnown({"enabled"}));
  MDO_RETURN_IF_ERROR(rdns->Bool("enabled", spec.reverse_dns.enabled));

  Result<Fields> bl = f.Object("blacklists");
  if (!bl.ok()) return MakeUnexpected(bl.error());
  MDO_RETURN_IF_ERROR(bl->OnlyKnown({"enabled", "ipZones", "domainZones"}));
  MDO_RETURN_IF_ERROR(bl->Bool("enabled", spec.blacklists.enabled));
  for (auto [key, out] : {std::pair{"ipZones", &spec.blacklists.ip_zones},
                          std::pair{"domainZones", &spec.blacklists.domain_zones}}) {
    std::vector<std::string> zones;
    MDO_RETURN_IF_ERROR(bl->StringList(key, kMaxZones, zones));
    for (std::size_t i = 0; i < zones.size(); ++i) {
      Result<std::string> zone = NormalizeDomain(zones[i], 2);
      if (!zone.ok()) {
        return Fail(bl->PathOf(key) + "[" + std::to_string(i) + "]: " + zone.error().message);
      }
      if (std::find(out->begin(), out->end(), *zone) == out->end()) out->push_back(*zone);
    }
  }
  return spec;
}

Result<MailDomain> ParseMailDomain(const json& object) {
  if (!object.is_object()) return Fail("expected a MailDomain object, got " + TypeName(object));
  MailDomain md;
  const json* api_version = object.contains("apiVersion") ? &object["apiVersion"] : nullptr;
  if (!api_version || !api_version->is_string() || *api_version != kApiVersion) {
    return Fail(std::string("apiVersion: expected ") + std::string(kApiVersion) + ", got " +
                (api_version ? Quote(*api_version) : "nothing"));
  }
  const json* kind = object.contains("kind") ? &object["kind"] : nullptr;
  if (!kind || !kind->is_string() || *kind != kKind) {
    return Fail(std::string("kind: expected MailDomain, got ") + (kind ? Quote(*kind) : "nothing"));
  }
  static const json kNoMetadata = json::object();
  const auto meta_it = object.find("metadata");
  const bool has_meta = meta_it != object.end() && !meta_it->is_null();
  if (has_meta && !meta_it->is_object()) return Fail("metadata: expected an object");
  Fields meta(has_meta ? *meta_it : kNoMetadata, "metadata");
  MDO_RETURN_IF_ERROR(meta.String("name", md.name));
  MDO_RETURN_IF_ERROR(meta.String("namespace", md.namespace_name));
  Fields top(object, "");
  const json* spec = top.Get("spec");
  if (!spec) return Fail("spec: required field is missing");
  Result<MailDomainSpec> parsed = ParseMailDomainSpec(*spec, "spec");
  if (!parsed.ok()) return MakeUnexpected(parsed.error());
  md.spec = std::move(parsed).value();
  if (md.name.empty()) md.name = md.spec.domain;
  return md;
}

json ToJson(const MailDomainSpec& spec) {
  json senders = json::array();
  for (const net::IpAddress& ip : spec.senders) senders.push_back(ip.ToString());
  return json{
      {"domain", spec.domain},
      {"checkInterval", FormatDuration(spec.check_interval)},
      {"suspend", spec.suspend},
      {"senders", std::move(senders)},
      {"spf", {{"enabled", spec.spf.enabled}, {"requireHardFail", spec.spf.require_hard_fail}}},
      {"dkim",
       {{"selectors", spec.dkim.selectors}, {"minimumKeyBits", spec.dkim.minimum_key_bits}}},
      {"dmarc",
       {{"enabled", spec.dmarc.enabled},
        {"minimumPolicy", std::string(ToString(spec.dmarc.minimum_policy))},
        {"requireReports", spec.dmarc.require_reports}}},
      {"mx", {{"required", spec.mx.required}}},
      {"reverseDNS", {{"enabled", spec.reverse_dns.enabled}}},
      {"blacklists",
       {{"enabled", spec.blacklists.enabled},
        {"ipZones", spec.blacklists.ip_zones},
        {"domainZones", spec.blacklists.domain_zones}}},
  };
}

}  // namespace mdo::api
