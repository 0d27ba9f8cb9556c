#include "checks/dkim/zone_fixture.h"

#include <algorithm>

#include "common/strings.h"
#include "support/zone_file.h"

namespace mdo::checks::testing {

Status ZoneFixtureResolver::LoadZoneFile(const std::filesystem::path& file) {
  auto records = mdo::testing::ParseZoneFile(file);
  if (!records) return MakeUnexpected(records.error());
  for (const auto& record : *records) {
    if (record.type == dns::RecordType::kSoa) zones_.push_back(record.owner);
  }
  mdo::testing::AddRecords(*records, memory_);
  return {};
}

Status ZoneFixtureResolver::LoadZoneDirectory(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> files;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.path().extension() == ".zone") files.push_back(entry.path());
  }
  if (ec) return Fail("cannot list " + dir.string() + ": " + ec.message());
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    if (Status s = LoadZoneFile(f); !s.ok()) return s;
  }
  return {};
}

void ZoneFixtureResolver::Query(std::string_view name, dns::RecordType type, Callback done) {
  const std::string key = NormalizeDnsName(name);
  bool served = std::any_of(zones_.begin(), zones_.end(), [&](const std::string& zone) {
    return key == zone || (key.size() > zone.size() && key.ends_with(zone) &&
                           key[key.size() - zone.size() - 1] == '.');
  });
  if (!served) {
    dns::Answer answer;
    answer.name = key;
    answer.type = type;
    answer.outcome = dns::Outcome::kRefused;
    answer.error = "no served zone contains " + key;
    done(answer);
    return;
  }
  memory_.Query(name, type, std::move(done));
}

}  // namespace mdo::checks::testing
