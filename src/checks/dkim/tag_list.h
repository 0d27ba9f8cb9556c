// The DKIM tag=value list (RFC 6376 section 3.2): the syntax of key records and signatures.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace mdo::checks::dkim {

// Why a text did not parse, and where: `position` is the 0-based byte offset of the problem.
struct ParseError {
  std::string message;
  std::size_t position = 0;
};

struct Tag {
  std::string name;      // as published (tag names are case-sensitive)
  std::string value;     // surrounding whitespace removed, inner whitespace kept
  std::size_t position;  // byte offset of the tag name
};

// Parses `tag-list = tag-spec *( ";" tag-spec ) [ ";" ]`. Rejects empty tag-specs (other than a
// trailing ";"), tag names not matching ALPHA *(ALPHA / DIGIT / "_"), characters outside VALCHAR
// and whitespace in values, and duplicate tag names (RFC 6376: the whole list is then invalid).
Result<std::vector<Tag>, ParseError> ParseTagList(std::string_view text);

// "... at character N" (1-based) for messages.
std::string DescribeParseError(const ParseError& error);

}  // namespace mdo::checks::dkim
