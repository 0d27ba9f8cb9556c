#include "kube/watch_decoder.h"

#include "common/strings.h"

namespace mdo::kube {

Result<WatchEvent> ParseWatchEvent(std::string_view line) {
  Json doc = Json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return Fail("watch event is not valid JSON");
  if (!doc.is_object()) return Fail("watch event is not a JSON object");
  std::string type = JsonString(doc, "type");
  WatchEvent event;
  if (type == "ADDED") {
    event.type = WatchEvent::Type::kAdded;
  } else if (type == "MODIFIED") {
    event.type = WatchEvent::Type::kModified;
  } else if (type == "DELETED") {
    event.type = WatchEvent::Type::kDeleted;
  } else if (type == "BOOKMARK") {
    event.type = WatchEvent::Type::kBookmark;
  } else if (type == "ERROR") {
    event.type = WatchEvent::Type::kError;
  } else {
    return Fail("watch event has unknown \"type\" " + QuoteForMessage(type, 40));
  }
  auto it = doc.find("object");
  if (it == doc.end() || !it->is_object()) return Fail("watch event has no \"object\"");
  event.object = std::move(*it);
  return event;
}

Status WatchDecoder::TakeLine(std::string_view line, std::vector<WatchEvent>& out) {
  if (TrimWhitespace(line).empty()) return {};
  auto event = ParseWatchEvent(line);
  if (!event) return MakeUnexpected(event.error());
  out.push_back(std::move(*event));
  return {};
}

Status WatchDecoder::Feed(std::string_view bytes, std::vector<WatchEvent>& out) {
  while (!bytes.empty()) {
    size_t nl = bytes.find('\n');
    if (nl == std::string_view::npos) {
      if (partial_.size() + bytes.size() > max_line_) {
        return Fail("watch event longer than " + std::to_string(max_line_) + " bytes");
      }
      partial_.append(bytes);
      return {};
    }
    if (partial_.size() + nl > max_line_) {
      return Fail("watch event longer than " + std::to_string(max_line_) + " bytes");
    }
    Status s;
    if (partial_.empty()) {
      s = TakeLine(bytes.substr(0, nl), out);
    } else {
      partial_.append(bytes.substr(0, nl));
      s = TakeLine(partial_, out);
      partial_.clear();
    }
    if (!s) return s;
    bytes.remove_prefix(nl + 1);
  }
  return {};
}

Status WatchDecoder::Finish(std::vector<WatchEvent>& out) {
  std::string rest = std::move(partial_);
  partial_.clear();
  return TakeLine(rest, out);
}

}  // namespace mdo::kube
