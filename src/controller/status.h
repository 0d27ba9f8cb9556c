// Turning a domain report into MailDomain status, and status changes into events. Pure functions
// over JSON (the report's JSON is the status' source: DESIGN section 4 says the status mirrors it),
// so the rules (condition transitions, what counts as a change, which events fire) are unit-tested
// without an API server.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace mdo::controller {

// The condition type for each check block of the report, in display order.
struct CheckCondition {
  const char* check;             // the report's key: "spf", "dkim", ...
  const char* condition_type;    // "SPFValid", ...
  const char* recovered_reason;  // the Normal event when it turns True again: "SPFRecovered", ...
};
const std::vector<CheckCondition>& CheckConditions();

struct EventSpec {
  std::string type;    // "Normal" or "Warning"
  std::string reason;  // a finding code, "...Recovered", "Delisted", "Checked", "InvalidSpec"
  std::string message;
  friend bool operator==(const EventSpec&, const EventSpec&) = default;
};

struct StatusInput {
  nlohmann::json old_status = nlohmann::json::object();  // the object's current .status (may be {})
  nlohmann::json report;        // maildomain-check's JSON report for this domain
  std::int64_t generation = 0;  // metadata.generation the report was computed from
  std::string now;              // RFC 3339 UTC, for lastTransitionTime and lastCheckTime
  std::string next_check;       // RFC 3339 UTC, nextCheckTime
};

struct StatusUpdate {
  nlohmann::json status;
  // False when nothing but timestamps would change: then nothing is written (DESIGN section 5).
  bool changed = false;
  std::vector<EventSpec> events;
};

// Conditions per DESIGN section 4: pass -> True/Valid, warn -> True/ValidWithWarnings, fail ->
// False/<first failing code>, error -> Unknown/CheckError (a False condition stays False on an
// error: a failing domain stays failing until a complete check shows it fixed, so an alert does
// not flap through Unknown), skipped -> the condition is removed. Ready is True when every enabled
// check is True, False when any is False, Unknown otherwise. Events: a Warning (reason = the
// finding code) when a condition turns False or fails for a new reason, a Normal recovery event
// when it turns True from False, and Normal `Checked` when Ready is first determined (and again
// when it is determined after checks could not complete).
StatusUpdate ComputeStatus(const StatusInput& input);

// Status for a spec the operator cannot check (e.g. an invalid sender IP): Ready=False,
// reason InvalidSpec, message naming the field. Other conditions and blocks are kept.
StatusUpdate InvalidSpecStatus(const nlohmann::json& old_status, std::int64_t generation,
                               const std::string& now, const std::string& message);

// Sets (or adds) one condition with metav1 semantics: lastTransitionTime moves only when status
// moves. Returns true when anything but observedGeneration changed.
bool SetCondition(nlohmann::json& conditions, const std::string& type, const std::string& status,
                  const std::string& reason, const std::string& message, std::int64_t generation,
                  const std::string& now);

// Finds a condition by type in a conditions array; nullptr when absent.
const nlohmann::json* FindCondition(const nlohmann::json& conditions, const std::string& type);

}  // namespace mdo::controller
