#include "controller/reconciler.h"

#include <algorithm>
#include <utility>

#include "common/duration.h"

namespace mdo::controller {

using nlohmann::json;

const kube::ResourceType kMailDomains{"mailops.dev", "v1alpha1", "maildomains", true, "MailDomain"};

namespace {

std::int64_t Generation(const json& object) {
  const json& meta = object.value("metadata", json::object());
  return meta.contains("generation") && meta["generation"].is_number_integer()
             ? meta["generation"].get<std::int64_t>()
             : 0;
}

std::string RecheckToken(const json& object) {
  const json& meta = object.value("metadata", json::object());
  const json& annotations = meta.value("annotations", json::object());
  return annotations.is_object() ? annotations.value(kRecheckAnnotation, "") : "";
}

// The interval from spec.checkInterval; an error names the field.
Result<std::chrono::nanoseconds> Interval(const json& spec, std::chrono::seconds fallback) {
  if (!spec.contains("checkInterval")) return std::chrono::nanoseconds(fallback);
  if (!spec["checkInterval"].is_string()) return Fail("spec.checkInterval: must be a string");
  auto parsed = ParseDuration(spec["checkInterval"].get<std::string>());
  if (!parsed.ok()) return Fail("spec.checkInterval: " + parsed.error().message);
  if (*parsed < std::chrono::minutes(1)) return Fail("spec.checkInterval: must be at least 1m");
  return *parsed;
}

runtime::Labels ObjectLabels(const json& object) {
  return {{"namespace", kube::MetaString(object, "namespace")},
          {"name", kube::MetaString(object, "name")},
          {"domain", object.value("spec", json::object()).value("domain", "")}};
}

// The same labels from a cache key ("namespace/name", as kube::ObjectKey builds it).
runtime::Labels KeyLabels(const std::string& key, const std::string& domain) {
  const auto slash = key.find('/');
  return {{"namespace", slash == std::string::npos ? "" : key.substr(0, slash)},
          {"name", slash == std::string::npos ? key : key.substr(slash + 1)},
          {"domain", domain}};
}

runtime::Labels CheckSeries(const runtime::Labels& base, const char* check,
                            const std::string& word) {
  runtime::Labels labels = base;
  labels.emplace_back("check", check);
  labels.emplace_back("status", word);
  return labels;
}

}  // namespace

Reconciler::Reconciler(kube::ApiClient& api, DomainChecker& checker, EventEmitter& events,
                       kube::Clock& clock, runtime::MetricsRegistry* metrics,
                       ReconcilerOptions options)
    : api_(api),
      checker_(checker),
      events_(events),
      clock_(clock),
      metrics_(metrics),
      options_(options) {}

void Reconciler::DeclareMetrics(runtime::MetricsRegistry& m) {
  using T = runtime::MetricsRegistry::Type;
  m.Declare("maildomain_check_status", T::kGauge,
            "1 for the current status word (pass, warn, fail, error, skipped) of each check.");
  m.Declare("maildomain_ready", T::kGauge, "1 when the MailDomain is Ready, else 0.");
  m.Declare("maildomain_blacklist_listings", T::kGauge,
            "Blacklist listings of the domain, its senders and MX addresses.");
  m.Declare("maildomain_check_errors_total", T::kCounter,
            "Checks that could not be completed (DNS timeouts, SERVFAIL, refusals).");
}

kube::Clock::Duration Reconciler::Jittered(std::chrono::nanoseconds interval) {
  std::uniform_real_distribution<double> dist(0.0, options_.jitter);
  double factor;
  {
    std::lock_guard lock(mu_);
    factor = 1.0 + dist(rng_);
  }
  return std::chrono::duration_cast<kube::Clock::Duration>(
      std::chrono::duration<double, std::nano>(static_cast<double>(interval.count()) * factor));
}

void Reconciler::Forget(const std::string& key) {
  KeyState state;
  {
    std::lock_guard lock(mu_);
    auto it = states_.find(key);
    if (it == states_.end()) return;
    state = std::move(it->second);
    states_.erase(it);
  }
  if (metrics_ == nullptr || !state.has_metrics) return;
  const runtime::Labels base = KeyLabels(key, state.metric_domain);
  const auto& checks = CheckConditions();
  for (std::size_t i = 0; i < checks.size() && i < state.check_words.size(); ++i) {
    metrics_->Remove("maildomain_check_status",
                     CheckSeries(base, checks[i].check, state.check_words[i]));
  }
  metrics_->Remove("maildomain_ready", base);
  metrics_->Remove("maildomain_blacklist_listings", base);
}

void Reconciler::RecordMetrics(const std::string& key, const json& object, const json& status) {
  if (metrics_ == nullptr) return;
  const runtime::Labels base = ObjectLabels(object);
  const std::string domain = base[2].second;
  const auto& checks = CheckConditions();
  std::vector<std::string> words;
  for (const CheckCondition& cc : checks) {
    const json block = status.value(cc.check, json::object());
    words.push_back(block.is_object() ? block.value("status", "skipped") : "skipped");
    if (words.back() == "error") {
      metrics_->Add("maildomain_check_errors_total", {{"check", cc.check}});
    }
  }
  bool had_metrics;
  std::string old_domain;
  std::vector<std::string> old_words;
  {
    std::lock_guard lock(mu_);
    KeyState& state = states_[key];
    had_metrics = std::exchange(state.has_metrics, true);
    old_domain = std::exchange(state.metric_domain, domain);
    old_words = std::exchange(state.check_words, words);
  }
  if (had_metrics) {
    const runtime::Labels old_base = KeyLabels(key, old_domain);
    for (std::size_t i = 0; i < checks.size() && i < old_words.size(); ++i) {
      if (old_domain != domain || old_words[i] != words[i]) {
        metrics_->Remove("maildomain_check_status",
                         CheckSeries(old_base, checks[i].check, old_words[i]));
      }
    }
    if (old_base != base) {
      metrics_->Remove("maildomain_ready", old_base);
      metrics_->Remove("maildomain_blacklist_listings", old_base);
    }
  }
  for (std::size_t i = 0; i < checks.size(); ++i) {
    metrics_->Set("maildomain_check_status", CheckSeries(base, checks[i].check, words[i]), 1);
  }
  const json conditions = status.value("conditions", json::array());
  const json* ready = FindCondition(conditions, "Ready");
  metrics_->Set("maildomain_ready", base,
                ready != nullptr && ready->value("status", "") == "True" ? 1 : 0);
  const json bl = status.value("blacklists", json::object());
  metrics_->Set("maildomain_blacklist_listings", base,
                bl.is_object() ? bl.value("listingCount", 0) : 0);
}

ReconcileOutcome Reconciler::Reconcile(const std::string& key, const json* object) {
  ReconcileOutcome outcome;
  if (object == nullptr || !object->is_object() ||
      !object->value("metadata", json::object()).value("deletionTimestamp", json()).is_null()) {
    Forget(key);
    return outcome;
  }
  const json spec = object->value("spec", json::object());
  if (spec.is_object() && spec.value("suspend", false)) {
    // Suspended: keep the last status (and its metrics); a spec change brings the object back
    // through the queue and checks it at once.
    std::lock_guard lock(mu_);
    if (auto it = states_.find(key); it != states_.end()) it->second.checked = false;
    return outcome;
  }

  const auto now = clock_.Now();
  const std::int64_t generation = Generation(*object);
  const std::string token = RecheckToken(*object);
  bool fresh_dns = false;
  {
    std::lock_guard lock(mu_);
    auto it = states_.find(key);
    if (it != states_.end() && it->second.checked && it->second.generation == generation &&
        it->second.recheck_token == token && now < it->second.next_due) {
      outcome.requeue_after = it->second.next_due - now;
      return outcome;
    }
    fresh_dns = it != states_.end() && it->second.checked && it->second.recheck_token != token;
  }

  const json old_status = object->value("status", json::object());
  const std::string now_text = kube::FormatTime(clock_.WallNow());
  StatusUpdate update;
  auto interval = Interval(spec, options_.default_interval);
  Result<json> report = interval.ok() ? checker_.Check(spec, fresh_dns)
                                      : Result<json>(Fail(interval.error().message));
  std::optional<kube::Clock::Duration> next;
  if (!report.ok()) {
    update = InvalidSpecStatus(old_status, generation, now_text, report.error().message);
  } else {
    outcome.checked = true;
    next = Jittered(*interval);
    const auto next_wall =
        clock_.WallNow() + std::chrono::duration_cast<std::chrono::system_clock::duration>(*next);
    update =
        ComputeStatus({old_status, *report, generation, now_text, kube::FormatTime(next_wall)});
  }

  if (update.changed) {
    json updated = *object;
    updated["status"] = update.status;
    auto written = api_.UpdateStatus(kMailDomains, kube::MetaString(*object, "namespace"), updated);
    if (!written.ok()) {
      // Nothing is recorded: the next attempt checks again (cheap: the DNS cache answers) and
      // computes events against the status that is really stored.
      outcome.error = written.error();
      return outcome;
    }
    outcome.status_written = true;
  }
  for (const EventSpec& event : update.events) events_.Emit(*object, event);
  RecordMetrics(key, *object, update.status);

  std::lock_guard lock(mu_);
  KeyState& state = states_[key];
  state.checked = true;
  state.generation = generation;
  state.recheck_token = token;
  if (next) {
    state.next_due = now + *next;
    outcome.requeue_after = *next;
  } else {
    // An invalid spec waits for the spec to change; no periodic recheck.
    state.next_due = kube::Clock::TimePoint::max();
  }
  return outcome;
}

}  // namespace mdo::controller
