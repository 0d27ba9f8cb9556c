#include "dns/resolver.h"

#include <memory>

namespace mdo::dns {

std::string_view ToString(RecordType type) {
  switch (type) {
    case RecordType::kA:
      return "A";
    case RecordType::kNs:
      return "NS";
    case RecordType::kCname:
      return "CNAME";
    case RecordType::kSoa:
      return "SOA";
    case RecordType::kPtr:
      return "PTR";
    case RecordType::kMx:
      return "MX";
    case RecordType::kTxt:
      return "TXT";
    case RecordType::kAaaa:
      return "AAAA";
  }
  return "UNKNOWN";
}

std::string_view ToString(Outcome outcome) {
  switch (outcome) {
    case Outcome::kData:
      return "data";
    case Outcome::kNoData:
      return "nodata";
    case Outcome::kNxDomain:
      return "nxdomain";
    case Outcome::kServFail:
      return "servfail";
    case Outcome::kRefused:
      return "refused";
    case Outcome::kTimeout:
      return "timeout";
    case Outcome::kMalformed:
      return "malformed";
    case Outcome::kNetworkError:
      return "network_error";
    case Outcome::kCancelled:
      return "cancelled";
  }
  return "unknown";
}

const std::string& Answer::canonical_name() const {
  return cname_chain.empty() ? name : cname_chain.back();
}

std::future<Answer> Resolver::QueryAsync(std::string_view name, RecordType type) {
  auto promise = std::make_shared<std::promise<Answer>>();
  std::future<Answer> future = promise->get_future();
  Query(name, type, [promise](const Answer& answer) { promise->set_value(answer); });
  return future;
}

Answer Resolver::Resolve(std::string_view name, RecordType type) {
  return QueryAsync(name, type).get();
}

}  // namespace mdo::dns
