// Where receivers look for a domain's DMARC record: RFC 7489's organizational domain (through
// the Public Suffix List) and RFC 9989's DNS tree walk. Pure name arithmetic, no DNS.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace mdo::checks::dmarc {

// RFC 7489 section 3.2: the registrable domain under the Public Suffix List built into libpsl.
// "" when `domain` is itself a public suffix (or empty). `domain` is an A-label name.
std::string OrganizationalDomain(std::string_view domain);

// The names RFC 9989's tree walk queries after the domain itself, nearest first, without the
// "_dmarc." prefix: with 8 or more labels the walk jumps to 7 labels, then drops one label at a
// time down to the top-level domain. At most 7 names, so at most 8 queries in all.
std::vector<std::string> TreeWalkParents(std::string_view domain);

// True when `name` equals `ancestor` or is below it.
bool IsSameOrBelow(std::string_view name, std::string_view ancestor);

}  // namespace mdo::checks::dmarc
