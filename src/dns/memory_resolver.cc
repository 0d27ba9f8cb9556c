#include "dns/memory_resolver.h"

#include <algorithm>

#include "common/strings.h"

namespace mdo::dns {

namespace {
constexpr int kMaxCnameHops = 16;
}

void MemoryResolver::Add(std::string_view name, RecordType type, std::string record,
                         std::uint32_t ttl) {
  std::lock_guard lock(mu_);
  auto& rrset = nodes_[NormalizeDnsName(name)].rrsets[type];
  if (type == RecordType::kPtr || type == RecordType::kCname || type == RecordType::kNs) {
    record = NormalizeDnsName(record);
  }
  rrset.records.push_back(std::move(record));
  rrset.ttl = ttl;
}

void MemoryResolver::AddMx(std::string_view name, std::uint16_t preference,
                           std::string_view exchange, std::uint32_t ttl) {
  std::lock_guard lock(mu_);
  auto& rrset = nodes_[NormalizeDnsName(name)].rrsets[RecordType::kMx];
  rrset.mx.push_back({preference, NormalizeDnsName(exchange)});
  rrset.ttl = ttl;
}

void MemoryResolver::AddCname(std::string_view name, std::string_view target, std::uint32_t ttl) {
  std::lock_guard lock(mu_);
  auto& node = nodes_[NormalizeDnsName(name)];
  node.cname = NormalizeDnsName(target);
  auto& rrset = node.rrsets[RecordType::kCname];
  rrset.records = {node.cname};
  rrset.ttl = ttl;
}

void MemoryResolver::SetOutcome(std::string_view name, RecordType type, Outcome outcome) {
  std::lock_guard lock(mu_);
  nodes_[NormalizeDnsName(name)].forced[type] = outcome;
}

void MemoryResolver::SetOutcome(std::string_view name, Outcome outcome) {
  std::lock_guard lock(mu_);
  auto& node = nodes_[NormalizeDnsName(name)];
  node.all_forced = true;
  node.all_outcome = outcome;
}

void MemoryResolver::AddEmptyName(std::string_view name) {
  std::lock_guard lock(mu_);
  nodes_[NormalizeDnsName(name)];
}

Answer MemoryResolver::Lookup(const std::string& name, RecordType type) const {
  Answer answer;
  answer.name = name;
  answer.type = type;
  std::string current = name;
  std::uint32_t ttl = UINT32_MAX;
  for (int hop = 0; hop <= kMaxCnameHops; ++hop) {
    auto it = nodes_.find(current);
    if (it == nodes_.end()) {
      answer.outcome = Outcome::kNxDomain;
      answer.ttl = 60;
      return answer;
    }
    const Node& node = it->second;
    if (auto f = node.forced.find(type); f != node.forced.end()) {
      answer.outcome = f->second;
      answer.error = "forced " + std::string(ToString(f->second)) + " for " + current;
      return answer;
    }
    if (node.all_forced) {
      answer.outcome = node.all_outcome;
      answer.error = "forced " + std::string(ToString(node.all_outcome)) + " for " + current;
      return answer;
    }
    if (!node.cname.empty() && type != RecordType::kCname) {
      ttl = std::min(ttl, node.rrsets.at(RecordType::kCname).ttl);
      answer.cname_chain.push_back(node.cname);
      current = node.cname;
      continue;
    }
    auto rr = node.rrsets.find(type);
    if (rr == node.rrsets.end() || (rr->second.records.empty() && rr->second.mx.empty())) {
      answer.outcome = Outcome::kNoData;
      answer.ttl = 60;
      return answer;
    }
    answer.outcome = Outcome::kData;
    answer.records = rr->second.records;
    answer.mx = rr->second.mx;
    answer.ttl = std::min(ttl, rr->second.ttl);
    return answer;
  }
  answer.outcome = Outcome::kServFail;
  answer.error = "CNAME chain longer than 16 at " + name;
  answer.cname_chain.clear();
  return answer;
}

void MemoryResolver::Query(std::string_view name, RecordType type, Callback done) {
  Answer answer;
  {
    std::lock_guard lock(mu_);
    std::string key = NormalizeDnsName(name);
    queries_.emplace_back(key, type);
    answer = Lookup(key, type);
  }
  done(answer);
}

std::vector<std::pair<std::string, RecordType>> MemoryResolver::queries() const {
  std::lock_guard lock(mu_);
  return queries_;
}

std::size_t MemoryResolver::query_count() const {
  std::lock_guard lock(mu_);
  return queries_.size();
}

void MemoryResolver::ClearQueries() {
  std::lock_guard lock(mu_);
  queries_.clear();
}

}  // namespace mdo::dns
