#include "checks/rdns/rdns_check.h"

#include <algorithm>
#include <optional>
#include <set>
#include <utility>

#include "checks/questions.h"

namespace mdo::checks::rdns {
namespace {

using checks::Finding;
using checks::Severity;
using dns::Answer;
using dns::RecordType;

std::string Describe(const Answer& a) {
  std::string text(dns::ToString(a.outcome));
  if (!a.error.empty()) text += " (" + a.error + ")";
  return text;
}

bool Contains(const Answer& answer, const net::IpAddress& ip) {
  if (!answer.ok()) return false;
  return std::any_of(answer.records.begin(), answer.records.end(), [&](const std::string& r) {
    auto parsed = net::IpAddress::Parse(r);
    return parsed && parsed->Unmapped() == ip;
  });
}

}  // namespace

RdnsCheckResult CheckReverseDns(dns::Resolver& resolver,
                                const std::vector<net::IpAddress>& addresses_in) {
  RdnsCheckResult result;
  std::vector<net::IpAddress> addresses;
  std::set<net::IpAddress> seen;
  for (const net::IpAddress& ip : addresses_in) {
    if (seen.insert(ip.Unmapped()).second) addresses.push_back(ip.Unmapped());
  }
  if (addresses.empty()) return result;  // skipped: nothing to check

  // Round 1: every PTR question at once.
  QuestionBatch ptrs(resolver);
  for (const net::IpAddress& ip : addresses) ptrs.Add(ip.ReverseName(), RecordType::kPtr);
  QuestionBatch forwards(resolver);
  struct Entry {
    RdnsAddress address;
    const Answer& ptr;
    std::vector<std::size_t> forward;  // indexes in `forwards`
  };
  std::vector<Entry> entries;
  entries.reserve(addresses.size());
  // Round 2: every forward question at once.
  for (std::size_t i = 0; i < addresses.size(); ++i) {
    Entry e{{addresses[i], {}, false}, ptrs.Get(i), {}};
    if (e.ptr.ok()) {
      for (const std::string& name : e.ptr.records) {
        if (e.address.ptr.size() == kMaxPtrNames) break;
        if (name.empty()) continue;  // a PTR to the root names no host
        if (std::find(e.address.ptr.begin(), e.address.ptr.end(), name) != e.address.ptr.end()) {
          continue;
        }
        e.address.ptr.push_back(name);
        e.forward.push_back(
            forwards.Add(name, addresses[i].is_v4() ? RecordType::kA : RecordType::kAaaa));
      }
    }
    entries.push_back(std::move(e));
  }

  for (Entry& e : entries) {
    const std::string ip = e.address.ip.ToString();
    if (dns::IsFailure(e.ptr.outcome)) {
      result.findings.push_back(
          {"ReverseDNSError", Severity::kError,
           "The PTR lookup for " + ip + " (" + e.ptr.name + ") failed: " + Describe(e.ptr) + "."});
    } else if (e.address.ptr.empty()) {
      result.findings.push_back(
          {"ReverseDNSMissing", Severity::kFail,
           ip + " has no PTR record; ask the owner of the address block (your hosting or ISP) "
                "to set its reverse DNS to the host's name."});
    }
    const Answer* failed = nullptr;
    for (std::size_t f : e.forward) {
      const Answer& a = forwards.Get(f);
      if (Contains(a, e.address.ip)) e.address.forward_confirmed = true;
      if (dns::IsFailure(a.outcome) && !failed) failed = &a;
    }
    // One confirming name is enough; a failed lookup only matters when nothing confirmed.
    if (failed && !e.address.forward_confirmed) {
      result.findings.push_back({"ReverseDNSError", Severity::kError,
                                 "Resolving " + failed->name + " (the PTR name of " + ip +
                                     ") failed: " + Describe(*failed) + "."});
    }
    if (!e.address.ptr.empty() && !e.address.forward_confirmed && !failed) {
      std::string names;
      for (const std::string& n : e.address.ptr) names += (names.empty() ? "" : ", ") + n;
      result.findings.push_back(
          {"ReverseDNSMismatch", Severity::kFail,
           ip + " has PTR " + names + ", but " +
               (e.address.ptr.size() == 1 ? "that name does" : "none of those names does") +
               " not resolve back to " + ip + "; publish an " +
               (e.address.ip.is_v4() ? "A" : "AAAA") + " record for the PTR name pointing at " +
               ip + "."});
    }
    result.addresses.push_back(std::move(e.address));
  }
  result.status = checks::StatusFromFindings(result.findings);
  return result;
}

}  // namespace mdo::checks::rdns
