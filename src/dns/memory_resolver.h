// An in-memory Resolver for unit tests and the SPF conformance harness: answers come from a
// table, synchronously, with the same outcome classes as the wire resolver.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "dns/resolver.h"

namespace mdo::dns {

class MemoryResolver : public Resolver {
 public:
  // Records. A name that has any record (of any type) exists: other types give kNoData.
  // Unknown names give kNxDomain.
  void Add(std::string_view name, RecordType type, std::string record, std::uint32_t ttl = 300);
  void AddMx(std::string_view name, std::uint16_t preference, std::string_view exchange,
             std::uint32_t ttl = 300);
  // Makes `name` an alias: questions of any other type follow it (as a recursive resolver does).
  void AddCname(std::string_view name, std::string_view target, std::uint32_t ttl = 300);
  // Forces an outcome for one question, or for every type at a name (failures, or kNxDomain).
  void SetOutcome(std::string_view name, RecordType type, Outcome outcome);
  void SetOutcome(std::string_view name, Outcome outcome);
  // Makes sure `name` exists (kNoData for every type) without records.
  void AddEmptyName(std::string_view name);

  void Query(std::string_view name, RecordType type, Callback done) override;

  // Questions asked so far, in order (for assertions on lookup counts).
  std::vector<std::pair<std::string, RecordType>> queries() const;
  std::size_t query_count() const;
  void ClearQueries();

 private:
  struct Rrset {
    std::vector<std::string> records;
    std::vector<MxRecord> mx;
    std::uint32_t ttl = 300;
  };
  struct Node {
    std::map<RecordType, Rrset> rrsets;
    std::map<RecordType, Outcome> forced;
    bool all_forced = false;
    Outcome all_outcome = Outcome::kData;
    std::string cname;
  };

  Answer Lookup(const std::string& name, RecordType type) const;

  mutable std::mutex mu_;
  std::map<std::string, Node> nodes_;
  std::vector<std::pair<std::string, RecordType>> queries_;
};

}  // namespace mdo::dns
