#include "checks/spf/suite_resolver.h"

#include "common/strings.h"

namespace mdo::checks::spf::testing {

namespace {

std::string TextValue(const YAML::Node& v) {
  if (v.IsSequence()) {
    std::string joined;
    for (const auto& piece : v) joined += piece.as<std::string>();
    return joined;
  }
  return v.as<std::string>();
}

}  // namespace

SuiteResolver::SuiteResolver(const YAML::Node& zonedata) {
  if (!zonedata || !zonedata.IsMap()) return;
  for (const auto& item : zonedata) {
    const std::string name = NormalizeDnsName(item.first.as<std::string>());
    std::vector<Entry> entries;
    std::vector<Entry> generated_txt;
    bool has_txt = false;
    for (const auto& rr : item.second) {
      if (rr.IsScalar()) {  // bare TIMEOUT
        entries.push_back({rr.as<std::string>(), "", 0, false});
        continue;
      }
      for (const auto& kv : rr) {
        const std::string type = kv.first.as<std::string>();
        const YAML::Node& v = kv.second;
        if (type == "TXT") has_txt = true;
        if (v.IsScalar() && v.as<std::string>() == "NONE") continue;
        Entry e;
        e.type = type;
        if (v.IsScalar() && v.as<std::string>() == "TIMEOUT") {
          e.timeout_value = true;
        } else if (type == "MX") {
          e.preference = static_cast<std::uint16_t>(v[0].as<int>());
          e.value = NormalizeDnsName(v[1].as<std::string>());
        } else if (type == "TXT" || type == "SPF") {
          e.value = TextValue(v);
        } else if (type == "PTR" || type == "CNAME") {
          e.value = NormalizeDnsName(v.as<std::string>());
        } else {
          e.value = v.as<std::string>();
        }
        if (type == "SPF") {
          Entry txt = e;
          txt.type = "TXT";
          generated_txt.push_back(std::move(txt));
        }
        entries.push_back(std::move(e));
      }
    }
    if (!has_txt) {
      for (auto& e : generated_txt) entries.push_back(std::move(e));
    }
    auto& slot = zone_[name];
    for (auto& e : entries) slot.push_back(std::move(e));
  }
}

dns::Answer SuiteResolver::Lookup(std::string name, dns::RecordType type, int depth) const {
  dns::Answer answer;
  answer.type = type;
  answer.name = name;
  for (std::string_view label : Split(name, '.')) {
    if (label.size() > 63) {
      answer.outcome = dns::Outcome::kTimeout;
      answer.error = "label too long";
      return answer;
    }
  }
  auto it = zone_.find(name);
  if (it == zone_.end()) {
    answer.outcome = name.starts_with("error.") ? dns::Outcome::kTimeout : dns::Outcome::kNxDomain;
    return answer;
  }
  const std::string_view want = dns::ToString(type);
  const std::string* cname = nullptr;
  for (const Entry& e : it->second) {
    if (e.type == "TIMEOUT") {
      if (answer.records.empty() && answer.mx.empty()) {
        answer.outcome = dns::Outcome::kTimeout;
        return answer;
      }
      break;
    }
    if (e.type == "CNAME") cname = &e.value;
    if (e.type != want) continue;
    if (e.timeout_value) {
      answer.outcome = dns::Outcome::kTimeout;
      answer.records.clear();
      return answer;
    }
    if (type == dns::RecordType::kMx) {
      answer.mx.push_back({e.preference, e.value});
    } else {
      answer.records.push_back(e.value);
    }
  }
  if (answer.records.empty() && answer.mx.empty()) {
    if (cname && type != dns::RecordType::kCname) {
      if (depth >= 8) {
        answer.outcome = dns::Outcome::kServFail;
        answer.error = "CNAME loop";
        return answer;
      }
      dns::Answer target = Lookup(*cname, type, depth + 1);
      target.name = name;
      target.cname_chain.insert(target.cname_chain.begin(), *cname);
      return target;
    }
    answer.outcome = dns::Outcome::kNoData;
    return answer;
  }
  answer.outcome = dns::Outcome::kData;
  answer.ttl = 300;
  return answer;
}

void SuiteResolver::Query(std::string_view name, dns::RecordType type, Callback done) {
  ++queries_;
  std::string key(name);
  if (!key.empty() && key.back() == '.') key.pop_back();
  done(Lookup(AsciiLower(key), type, 0));
}

}  // namespace mdo::checks::spf::testing
