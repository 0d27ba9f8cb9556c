#include "testserver/patch.h"

#include <array>
#include <string_view>

namespace mdo::testserver {
namespace {

using nlohmann::json;

constexpr std::array<std::string_view, 7> kMergeKeys = {
    "name", "containerPort", "port", "type", "ip", "mountPath", "devicePath"};

// The merge key shared by every item of both lists, or "" when there is none.
std::string MergeKeyFor(const json& a, const json& b) {
  for (std::string_view key : kMergeKeys) {
    bool all = true;
    for (const json* list : {&a, &b}) {
      for (const json& item : *list) {
        if (!item.is_object() || !item.contains(std::string(key))) {
          all = false;
          break;
        }
      }
      if (!all) break;
    }
    if (all && !b.empty()) return std::string(key);
  }
  return "";
}

json StripDirectives(const json& value) {
  if (value.is_object()) {
    json out = json::object();
    for (auto it = value.begin(); it != value.end(); ++it) {
      if (!it.key().empty() && it.key()[0] == '$') continue;
      if (it->is_null()) continue;
      out[it.key()] = StripDirectives(*it);
    }
    return out;
  }
  if (value.is_array()) {
    json out = json::array();
    for (const json& item : value) {
      if (item.is_object() && item.value("$patch", "") == "delete") continue;
      out.push_back(StripDirectives(item));
    }
    return out;
  }
  return value;
}

json Strategic(const json& target, const json& patch) {
  if (!patch.is_object()) return StripDirectives(patch);
  if (patch.value("$patch", "") == "replace") return StripDirectives(patch);
  json out = target.is_object() ? target : json::object();
  for (auto it = patch.begin(); it != patch.end(); ++it) {
    const std::string& key = it.key();
    if (key.rfind("$setElementOrder/", 0) == 0 || key.rfind("$retainKeys", 0) == 0 ||
        key == "$patch") {
      continue;
    }
    if (key.rfind("$deleteFromPrimitiveList/", 0) == 0) {
      std::string field = key.substr(std::string("$deleteFromPrimitiveList/").size());
      if (out.contains(field) && out[field].is_array() && it->is_array()) {
        json kept = json::array();
        for (const json& v : out[field]) {
          bool remove = false;
          for (const json& d : *it) remove = remove || d == v;
          if (!remove) kept.push_back(v);
        }
        out[field] = kept;
      }
      continue;
    }
    if (it->is_null()) {
      out.erase(key);
      continue;
    }
    auto existing = out.find(key);
    if (existing == out.end()) {
      out[key] = StripDirectives(*it);
      continue;
    }
    if (it->is_object()) {
      out[key] = Strategic(*existing, *it);
    } else if (it->is_array() && existing->is_array()) {
      std::string merge_key = MergeKeyFor(*existing, *it);
      if (merge_key.empty()) {
        out[key] = StripDirectives(*it);
        continue;
      }
      json merged = *existing;
      for (const json& item : *it) {
        const json& id = item[merge_key];
        bool found = false;
        for (size_t i = 0; i < merged.size(); ++i) {
          if (merged[i].is_object() && merged[i].value(merge_key, json()) == id) {
            found = true;
            if (item.value("$patch", "") == "delete") {
              merged.erase(i);
            } else {
              merged[i] = Strategic(merged[i], item);
            }
            break;
          }
        }
        if (!found && item.value("$patch", "") != "delete") merged.push_back(StripDirectives(item));
      }
      out[key] = merged;
    } else {
      out[key] = StripDirectives(*it);
    }
  }
  return out;
}

// Map keys of list items for server-side apply: the same heuristic merge keys.
json ApplyMerge(const json& live, const json& applied) {
  if (applied.is_object() && live.is_object()) {
    json out = live;
    for (auto it = applied.begin(); it != applied.end(); ++it) {
      auto existing = out.find(it.key());
      out[it.key()] = existing == out.end() ? *it : ApplyMerge(*existing, *it);
    }
    return out;
  }
  if (applied.is_array() && live.is_array()) {
    std::string merge_key = MergeKeyFor(live, applied);
    if (merge_key.empty()) return applied;
    json out = json::array();
    // Applied items first, in the applied order, merged with the live item of the same key.
    for (const json& item : applied) {
      json merged = item;
      for (const json& old : live) {
        if (old[merge_key] == item[merge_key]) merged = ApplyMerge(old, item);
      }
      out.push_back(merged);
    }
    // Then live items the applier does not mention (owned by someone else).
    for (const json& old : live) {
      bool mentioned = false;
      for (const json& item : applied) mentioned = mentioned || old[merge_key] == item[merge_key];
      if (!mentioned) out.push_back(old);
    }
    return out;
  }
  return applied;
}

// Removes from `live` the fields present in `previous` and absent from `applied`.
void RemoveDropped(json& live, const json& previous, const json& applied) {
  if (!previous.is_object() || !live.is_object()) return;
  for (auto it = previous.begin(); it != previous.end(); ++it) {
    const std::string& key = it.key();
    bool still_applied = applied.is_object() && applied.contains(key);
    if (!still_applied) {
      live.erase(key);
    } else if (it->is_object() && live.contains(key)) {
      RemoveDropped(live[key], *it, applied[key]);
    }
  }
}

}  // namespace

json ApplyMergePatch(const json& target, const json& patch) {
  json out = target;
  out.merge_patch(patch);
  return out;
}

Result<json> ApplyJsonPatch(const json& target, const json& patch) {
  if (!patch.is_array()) return Fail("a JSON patch must be an array of operations");
  try {
    return target.patch(patch);
  } catch (const json::exception& e) {
    return Fail(std::string("the JSON patch could not be applied: ") + e.what());
  }
}

json ApplyStrategicMergePatch(const json& target, const json& patch) {
  return Strategic(target, patch);
}

json ApplyServerSideApply(const json& live, const json& applied, const json& previously_applied) {
  json out = live.is_object() ? live : json::object();
  RemoveDropped(out, previously_applied, applied);
  return ApplyMerge(out, applied);
}

}  // namespace mdo::testserver
