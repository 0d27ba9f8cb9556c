#include "testserver/protobuf.h"

#include <cstdint>
#include <string>

#include "testserver/api_common.h"
#include "testserver/table.h"

namespace mdo::testserver {
namespace {

using nlohmann::json;

// A protobuf wire-format reader over a bounded buffer; every read is checked.
class Reader {
 public:
  explicit Reader(std::string_view data) : data_(data) {}
  bool done() const { return pos_ >= data_.size(); }

  bool Varint(uint64_t* out) {
    uint64_t value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= data_.size()) return false;
      uint8_t byte = static_cast<uint8_t>(data_[pos_++]);
      value |= static_cast<uint64_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) {
        *out = value;
        return true;
      }
    }
    return false;
  }

  // Next field: number and wire type; for length-delimited fields `bytes` is set.
  bool Field(uint32_t* number, uint32_t* wire, std::string_view* bytes, uint64_t* varint) {
    uint64_t key;
    if (!Varint(&key)) return false;
    *number = static_cast<uint32_t>(key >> 3);
    *wire = static_cast<uint32_t>(key & 7);
    switch (*wire) {
      case 0:
        return Varint(varint);
      case 1:
        if (data_.size() - pos_ < 8) return false;
        pos_ += 8;
        return true;
      case 2: {
        uint64_t length;
        if (!Varint(&length) || length > data_.size() - pos_) return false;
        *bytes = data_.substr(pos_, length);
        pos_ += length;
        return true;
      }
      case 5:
        if (data_.size() - pos_ < 4) return false;
        pos_ += 4;
        return true;
      default:
        return false;
    }
  }

 private:
  std::string_view data_;
  size_t pos_ = 0;
};

#define MDO_PB_FIELDS(reader)                             \
  uint32_t number = 0, wire = 0;                          \
  std::string_view bytes;                                 \
  uint64_t varint = 0;                                    \
  while (!(reader).done())                                \
    if (!(reader).Field(&number, &wire, &bytes, &varint)) \
      return Fail("malformed protobuf");                  \
    else

Result<std::pair<std::string, std::string>> MapEntry(std::string_view entry) {
  Reader r(entry);
  std::string key, value;
  MDO_PB_FIELDS(r) {
    if (wire != 2) continue;
    if (number == 1) key = std::string(bytes);
    if (number == 2) value = std::string(bytes);
  }
  return std::make_pair(key, value);
}

Result<json> Time(std::string_view data) {
  Reader r(data);
  int64_t seconds = 0;
  MDO_PB_FIELDS(r) {
    if (number == 1 && wire == 0) seconds = static_cast<int64_t>(varint);
  }
  return json(FormatTimestamp(static_cast<std::time_t>(seconds)));
}

Result<json> ObjectMeta(std::string_view data) {
  Reader r(data);
  json meta = json::object();
  const char* string_fields[] = {nullptr,    "name", "generateName",   "namespace",
                                 "selfLink", "uid",  "resourceVersion"};
  MDO_PB_FIELDS(r) {
    if (number >= 1 && number <= 6 && wire == 2) {
      if (!bytes.empty()) meta[string_fields[number]] = std::string(bytes);
    } else if (number == 7 && wire == 0) {
      meta["generation"] = static_cast<int64_t>(varint);
    } else if ((number == 8 || number == 9) && wire == 2) {
      auto t = Time(bytes);
      if (!t.ok()) return t;
      meta[number == 8 ? "creationTimestamp" : "deletionTimestamp"] = *t;
    } else if ((number == 11 || number == 12) && wire == 2) {
      auto kv = MapEntry(bytes);
      if (!kv.ok()) return MakeUnexpected(kv.error());
      meta[number == 11 ? "labels" : "annotations"][kv->first] = kv->second;
    } else if (number == 14 && wire == 2) {
      meta["finalizers"].push_back(std::string(bytes));
    }
  }
  return meta;
}

// Secret: metadata=1, data=2 (map<string,bytes>), type=3, stringData=4, immutable=5.
// ConfigMap: metadata=1, data=2 (map<string,string>), binaryData=3, immutable=4.
Result<json> Object(const std::string& kind, std::string_view raw) {
  Reader r(raw);
  json object = {{"apiVersion", "v1"}, {"kind", kind}};
  bool secret = kind == "Secret";
  MDO_PB_FIELDS(r) {
    if (number == 1 && wire == 2) {
      auto meta = ObjectMeta(bytes);
      if (!meta.ok()) return meta;
      object["metadata"] = *meta;
    } else if (number == 2 && wire == 2) {
      auto kv = MapEntry(bytes);
      if (!kv.ok()) return MakeUnexpected(kv.error());
      object["data"][kv->first] = secret ? internal::Base64Encode(kv->second) : kv->second;
    } else if (number == 3 && wire == 2) {
      if (secret) {
        object["type"] = std::string(bytes);
      } else {
        auto kv = MapEntry(bytes);
        if (!kv.ok()) return MakeUnexpected(kv.error());
        object["binaryData"][kv->first] = internal::Base64Encode(kv->second);
      }
    } else if (number == 4 && wire == 2 && secret) {
      auto kv = MapEntry(bytes);
      if (!kv.ok()) return MakeUnexpected(kv.error());
      object["stringData"][kv->first] = kv->second;
    } else if ((number == 5 && secret) || (number == 4 && !secret)) {
      if (wire == 0) object["immutable"] = varint != 0;
    }
  }
  return object;
}

}  // namespace

Result<json> DecodeKubernetesProtobuf(std::string_view body) {
  static constexpr std::string_view kMagic("k8s\0", 4);
  if (body.substr(0, 4) != kMagic) return Fail("not a Kubernetes protobuf envelope");
  Reader envelope(body.substr(4));
  std::string api_version, kind;
  std::string_view raw;
  {
    MDO_PB_FIELDS(envelope) {
      if (number == 1 && wire == 2) {
        Reader type_meta(bytes);
        uint32_t n2 = 0, w2 = 0;
        std::string_view b2;
        uint64_t v2 = 0;
        while (!type_meta.done()) {
          if (!type_meta.Field(&n2, &w2, &b2, &v2)) return Fail("malformed protobuf");
          if (n2 == 1 && w2 == 2) api_version = std::string(b2);
          if (n2 == 2 && w2 == 2) kind = std::string(b2);
        }
      } else if (number == 2 && wire == 2) {
        raw = bytes;
      }
    }
  }
  if (api_version != "v1" || (kind != "Secret" && kind != "ConfigMap")) {
    return Fail("protobuf bodies are supported for v1 Secret and ConfigMap only, not " +
                api_version + " " + kind);
  }
  return Object(kind, raw);
}

}  // namespace mdo::testserver
