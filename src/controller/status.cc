#include "controller/status.h"

#include <utility>

namespace mdo::controller {

using nlohmann::json;

namespace {

constexpr char kTrue[] = "True";
constexpr char kFalse[] = "False";
constexpr char kUnknown[] = "Unknown";

// The first finding of `severity` in a check block, looking at the check's own findings first and
// then at nested per-item findings (DKIM selectors).
const json* FirstFinding(const json& block, const std::string& severity) {
  auto scan = [&](const json& findings) -> const json* {
    if (!findings.is_array()) return nullptr;
    for (const json& f : findings) {
      if (f.is_object() && f.value("severity", "") == severity) return &f;
    }
    return nullptr;
  };
  if (block.contains("findings")) {
    if (const json* f = scan(block["findings"])) return f;
  }
  if (block.contains("selectors") && block["selectors"].is_array()) {
    for (const json& selector : block["selectors"]) {
      if (!selector.is_object() || !selector.contains("findings")) continue;
      if (const json* f = scan(selector["findings"])) return f;
    }
  }
  return nullptr;
}

int CountFindings(const json& block, const std::string& severity) {
  int n = 0;
  auto scan = [&](const json& findings) {
    if (!findings.is_array()) return;
    for (const json& f : findings) {
      if (f.is_object() && f.value("severity", "") == severity) ++n;
    }
  };
  if (block.contains("findings")) scan(block["findings"]);
  if (block.contains("selectors") && block["selectors"].is_array()) {
    for (const json& selector : block["selectors"]) {
      if (selector.is_object() && selector.contains("findings")) scan(selector["findings"]);
    }
  }
  return n;
}

std::string MessageOf(const json* finding, const std::string& fallback, int total) {
  if (finding == nullptr) return fallback;
  std::string message = finding->value("message", fallback);
  if (total > 1) message += " (and " + std::to_string(total - 1) + " more)";
  return message;
}

void RemoveCondition(json& conditions, const std::string& type) {
  for (auto it = conditions.begin(); it != conditions.end(); ++it) {
    if (it->is_object() && it->value("type", "") == type) {
      conditions.erase(it);
      return;
    }
  }
}

json WithoutTimestamps(json status) {
  if (status.is_object()) {
    status.erase("lastCheckTime");
    status.erase("nextCheckTime");
  }
  return status;
}

std::string StatusOf(const json* condition) {
  return condition == nullptr ? "" : condition->value("status", "");
}

}  // namespace

const std::vector<CheckCondition>& CheckConditions() {
  static const std::vector<CheckCondition> kConditions = {
      {"spf", "SPFValid", "SPFRecovered"},
      {"dkim", "DKIMValid", "DKIMRecovered"},
      {"dmarc", "DMARCValid", "DMARCRecovered"},
      {"mx", "MXValid", "MXRecovered"},
      {"rdns", "ReverseDNSValid", "ReverseDNSRecovered"},
      {"blacklists", "NotBlacklisted", "Delisted"},
  };
  return kConditions;
}

const json* FindCondition(const json& conditions, const std::string& type) {
  if (!conditions.is_array()) return nullptr;
  for (const json& c : conditions) {
    if (c.is_object() && c.value("type", "") == type) return &c;
  }
  return nullptr;
}

bool SetCondition(json& conditions, const std::string& type, const std::string& status,
                  const std::string& reason, const std::string& message, std::int64_t generation,
                  const std::string& now) {
  if (!conditions.is_array()) conditions = json::array();
  for (json& c : conditions) {
    if (!c.is_object() || c.value("type", "") != type) continue;
    bool changed = false;
    if (c.value("status", "") != status) {
      c["status"] = status;
      c["lastTransitionTime"] = now;
      changed = true;
    }
    if (c.value("reason", "") != reason) {
      c["reason"] = reason;
      changed = true;
    }
    if (c.value("message", "") != message) {
      c["message"] = message;
      changed = true;
    }
    c["observedGeneration"] = generation;
    return changed;
  }
  conditions.push_back({{"type", type},
                        {"status", status},
                        {"observedGeneration", generation},
                        {"lastTransitionTime", now},
                        {"reason", reason},
                        {"message", message}});
  return true;
}

StatusUpdate ComputeStatus(const StatusInput& input) {
  StatusUpdate update;
  const json old_status = input.old_status.is_object() ? input.old_status : json::object();
  const json old_conditions = old_status.value("conditions", json::array());
  json status = old_status;
  json conditions = old_conditions.is_array() ? old_conditions : json::array();
  const json checks = input.report.value("checks", json::object());

  bool any_false = false;
  bool any_unknown = false;
  bool any_warn = false;
  std::string ready_reason;
  std::string ready_message;

  for (const CheckCondition& cc : CheckConditions()) {
    const json block = checks.contains(cc.check) ? checks[cc.check] : json::object();
    const std::string check_status = block.value("status", "skipped");
    const json* previous = FindCondition(old_conditions, cc.condition_type);
    const std::string previous_status = StatusOf(previous);

    json stored = block;
    if (std::string(cc.check) == "blacklists" && stored.is_object()) {
      stored["listingCount"] = stored.value("listings", json::array()).size();
    }
    if (block.is_object() && !block.empty()) {
      status[cc.check] = stored;
    } else {
      status.erase(cc.check);
    }

    std::string cond_status;
    std::string reason;
    std::string message;
    if (check_status == "pass") {
      cond_status = kTrue;
      reason = "Valid";
      message = "No problems found.";
    } else if (check_status == "warn") {
      cond_status = kTrue;
      reason = "ValidWithWarnings";
      message = MessageOf(FirstFinding(block, "warn"), "Valid, with warnings.",
                          CountFindings(block, "warn"));
      any_warn = true;
    } else if (check_status == "fail") {
      cond_status = kFalse;
      const json* first = FirstFinding(block, "fail");
      reason = first != nullptr ? first->value("code", "CheckFailed") : "CheckFailed";
      message = MessageOf(first, "The check failed.", CountFindings(block, "fail"));
    } else if (check_status == "error") {
      const std::string why =
          MessageOf(FirstFinding(block, "error"), "The check could not be completed.", 1);
      if (previous_status == kFalse) {
        // Keep the failure until a complete check shows it fixed (see header).
        cond_status = kFalse;
        reason = previous->value("reason", "CheckFailed");
        message = previous->value("message", "");
        const std::string note = " The last check could not complete: ";
        if (auto pos = message.find(note); pos != std::string::npos) message.erase(pos);
        message += note + why;
      } else {
        cond_status = kUnknown;
        reason = "CheckError";
        message = why;
      }
    } else {
      RemoveCondition(conditions, cc.condition_type);
      continue;
    }

    SetCondition(conditions, cc.condition_type, cond_status, reason, message, input.generation,
                 input.now);

    if (cond_status == kFalse) {
      any_false = true;
      if (ready_reason.empty()) ready_reason = reason;
      if (!ready_message.empty()) ready_message += " ";
      ready_message += std::string(cc.condition_type) + ": " + message;
      const bool reason_changed = previous != nullptr && previous->value("reason", "") != reason;
      if (previous_status != kFalse || reason_changed) {
        update.events.push_back({"Warning", reason, message});
      }
    } else if (cond_status == kTrue) {
      if (previous_status == kFalse) {
        update.events.push_back(
            {"Normal", cc.recovered_reason, std::string(cc.condition_type) + " is True again."});
      }
    } else {
      any_unknown = true;
    }
  }

  std::string ready_status;
  if (any_false) {
    ready_status = kFalse;
  } else if (any_unknown) {
    ready_status = kUnknown;
    ready_reason = "CheckError";
    ready_message = "Some checks could not be completed; see the other conditions.";
  } else {
    ready_status = kTrue;
    ready_reason = any_warn ? "ValidWithWarnings" : "Valid";
    ready_message = any_warn ? "Every enabled check passes, some with warnings."
                             : "Every enabled check passes.";
  }
  SetCondition(conditions, "Ready", ready_status, ready_reason, ready_message, input.generation,
               input.now);

  // A complete check after none (the first) or after checks that could not complete.
  const std::string previous_ready = StatusOf(FindCondition(old_conditions, "Ready"));
  if (ready_status != kUnknown && (previous_ready.empty() || previous_ready == kUnknown)) {
    update.events.insert(
        update.events.begin(),
        {"Normal", "Checked", "Checked: Ready=" + ready_status + ". " + ready_message});
  }

  status["conditions"] = conditions;
  status["observedGeneration"] = input.generation;
  status["lastCheckTime"] = input.now;
  status["nextCheckTime"] = input.next_check;
  update.changed = WithoutTimestamps(status) != WithoutTimestamps(old_status);
  if (!update.changed)
    update.status = old_status;
  else
    update.status = std::move(status);
  return update;
}

StatusUpdate InvalidSpecStatus(const json& old_status, std::int64_t generation,
                               const std::string& now, const std::string& message) {
  StatusUpdate update;
  json status = old_status.is_object() ? old_status : json::object();
  json conditions = status.value("conditions", json::array());
  const json* previous = FindCondition(conditions, "Ready");
  const bool was_invalid = previous != nullptr && previous->value("reason", "") == "InvalidSpec" &&
                           previous->value("message", "") == message;
  SetCondition(conditions, "Ready", kFalse, "InvalidSpec", message, generation, now);
  status["conditions"] = conditions;
  status["observedGeneration"] = generation;
  update.changed = WithoutTimestamps(status) != WithoutTimestamps(old_status);
  update.status = update.changed ? status : old_status;
  if (!was_invalid) update.events.push_back({"Warning", "InvalidSpec", message});
  return update;
}

}  // namespace mdo::controller
