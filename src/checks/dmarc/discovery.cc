#include "checks/dmarc/discovery.h"

#include <libpsl.h>

#include "common/strings.h"

namespace mdo::checks::dmarc {

namespace {
constexpr std::size_t kMaxWalkLabels = 7;
}

std::string OrganizationalDomain(std::string_view domain) {
  std::string name = NormalizeDnsName(domain);
  if (name.empty()) return "";
  // psl_builtin() is the list compiled into libpsl: immutable, safe to share between threads.
  const psl_ctx_t* psl = psl_builtin();
  if (psl == nullptr) return "";
  const char* registrable = psl_registrable_domain(psl, name.c_str());
  return registrable == nullptr ? "" : std::string(registrable);
}

std::vector<std::string> TreeWalkParents(std::string_view domain) {
  std::string name = NormalizeDnsName(domain);
  std::vector<std::string> out;
  if (name.empty()) return out;
  std::vector<std::string_view> labels = Split(name, '.');
  std::size_t count = labels.size();
  std::size_t next = count >= kMaxWalkLabels + 1 ? kMaxWalkLabels : count - 1;
  for (std::size_t keep = next; keep >= 1; --keep) {
    std::string parent;
    for (std::size_t i = count - keep; i < count; ++i) {
      if (!parent.empty()) parent += '.';
      parent += labels[i];
    }
    out.push_back(std::move(parent));
  }
  return out;
}

bool IsSameOrBelow(std::string_view name, std::string_view ancestor) {
  if (ancestor.empty()) return true;
  if (name.size() == ancestor.size()) return name == ancestor;
  return name.size() > ancestor.size() && name.ends_with(ancestor) &&
         name[name.size() - ancestor.size() - 1] == '.';
}

}  // namespace mdo::checks::dmarc
