#include "testserver/table.h"

#include <cctype>

#include "testserver/json_path.h"

namespace mdo::testserver {
namespace {

using nlohmann::json;

json Column(const std::string& name, const std::string& type, const std::string& format,
            const std::string& description, int priority = 0) {
  return {{"name", name},
          {"type", type},
          {"format", format},
          {"description", description},
          {"priority", priority}};
}

bool IsEvents(const ResourceType& type) { return type.plural == "events"; }

std::string Age(const json& timestamp, std::time_t now) {
  if (!timestamp.is_string()) return "<unknown>";
  long long t = ParseTimestamp(timestamp.get<std::string>());
  if (t < 0) return "<unknown>";
  return HumanDuration(static_cast<long long>(now) - t);
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

json CustomCell(const PrinterColumn& column, const json& object, std::time_t now) {
  auto path = ParseJsonPath(column.json_path);
  if (!path.ok()) return nullptr;
  std::vector<json> results = EvaluateJsonPath(*path, object);
  if (results.empty()) return nullptr;
  const json& first = results.front();
  if (column.type == "date") return first.is_string() ? json(Age(first, now)) : json(nullptr);
  if (column.type == "integer") return first.is_number_integer() ? first : json(nullptr);
  if (column.type == "number") return first.is_number() ? first : json(nullptr);
  if (column.type == "boolean") return first.is_boolean() ? first : json(nullptr);
  std::string text;
  for (const json& r : results) {
    if (!text.empty()) text += ",";
    text += r.is_string() ? r.get<std::string>() : r.dump();
  }
  return text;
}

}  // namespace

std::string HumanDuration(long long s) {
  if (s < -1) return "<invalid>";
  if (s < 0) return "0s";
  if (s < 60 * 2) return std::to_string(s) + "s";
  long long minutes = s / 60;
  if (minutes < 10) {
    long long rest = s % 60;
    return rest == 0 ? std::to_string(minutes) + "m"
                     : std::to_string(minutes) + "m" + std::to_string(rest) + "s";
  }
  if (minutes < 60 * 3) return std::to_string(minutes) + "m";
  long long hours = minutes / 60;
  if (hours < 8) {
    long long rest = minutes % 60;
    return rest == 0 ? std::to_string(hours) + "h"
                     : std::to_string(hours) + "h" + std::to_string(rest) + "m";
  }
  if (hours < 48) return std::to_string(hours) + "h";
  if (hours < 24 * 8) {
    long long rest = hours % 24;
    return rest == 0 ? std::to_string(hours / 24) + "d"
                     : std::to_string(hours / 24) + "d" + std::to_string(rest) + "h";
  }
  if (hours < 24 * 365 * 2) return std::to_string(hours / 24) + "d";
  long long years = hours / 24 / 365;
  if (years < 8) {
    long long days = (hours / 24) % 365;
    return days == 0 ? std::to_string(years) + "y"
                     : std::to_string(years) + "y" + std::to_string(days) + "d";
  }
  return std::to_string(years) + "y";
}

long long ParseTimestamp(const std::string& text) {
  std::tm tm{};
  int year, month, day, hour, minute, second;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d", &year, &month, &day, &hour, &minute,
                  &second) != 6) {
    return -1;
  }
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  return static_cast<long long>(timegm(&tm));
}

std::string FormatTimestamp(std::time_t when) {
  std::tm tm{};
  gmtime_r(&when, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

json TableColumnDefinitions(const ResourceType& type) {
  json columns = json::array();
  const std::string name_description =
      "Name must be unique within a namespace. Is required when creating resources.";
  if (IsEvents(type)) {
    columns.push_back(Column("Last Seen", "string", "", "Time of the last occurrence"));
    columns.push_back(Column("Type", "string", "", "Type of this event"));
    columns.push_back(Column("Reason", "string", "", "Short, machine understandable reason"));
    columns.push_back(Column("Object", "string", "", "The object this event is about"));
    columns.push_back(Column("Message", "string", "", "A human-readable description"));
    return columns;
  }
  columns.push_back(Column("Name", "string", "name", name_description));
  if (type.IsCustom()) {
    if (type.columns.empty()) {
      columns.push_back(Column("Age", "date", "", "CreationTimestamp"));
    }
    for (const PrinterColumn& c : type.columns) {
      columns.push_back(Column(c.name, c.type, c.format, c.description, c.priority));
    }
    return columns;
  }
  if (type.plural == "namespaces") {
    columns.push_back(Column("Status", "string", "", "The status of the namespace"));
  }
  columns.push_back(Column("Age", "string", "", "CreationTimestamp"));
  return columns;
}

json TableRow(const ResourceType& type, const json& object, const std::string& include_object,
              std::time_t now) {
  json cells = json::array();
  const json meta = object.value("metadata", json::object());
  if (IsEvents(type)) {
    // Both views are rendered from the core/v1 shape.
    json last = object.value("lastTimestamp", json());
    if (!last.is_string()) {
      if (object.contains("series") && object["series"].is_object()) {
        last = object["series"].value("lastObservedTime", json());
      }
    }
    if (!last.is_string()) last = object.value("eventTime", json());
    if (!last.is_string()) last = meta.value("creationTimestamp", json());
    const json involved = object.value("involvedObject", json::object());
    cells.push_back(Age(last, now));
    cells.push_back(object.value("type", ""));
    cells.push_back(object.value("reason", ""));
    cells.push_back(Lower(involved.value("kind", "")) + "/" + involved.value("name", ""));
    cells.push_back(object.value("message", ""));
  } else {
    cells.push_back(meta.value("name", ""));
    if (type.IsCustom()) {
      if (type.columns.empty()) cells.push_back(Age(meta.value("creationTimestamp", json()), now));
      for (const PrinterColumn& c : type.columns) cells.push_back(CustomCell(c, object, now));
    } else {
      if (type.plural == "namespaces") {
        cells.push_back(object.value("status", json::object()).value("phase", "Active"));
      }
      cells.push_back(Age(meta.value("creationTimestamp", json()), now));
    }
  }
  json row = {{"cells", cells}};
  if (include_object == "Object") {
    row["object"] = object;
  } else if (include_object != "None") {
    row["object"] = {
        {"kind", "PartialObjectMetadata"}, {"apiVersion", "meta.k8s.io/v1"}, {"metadata", meta}};
  }
  return row;
}

json RenderTable(const ResourceType& type, const std::vector<json>& objects, bool with_columns,
                 const std::string& include_object, std::time_t now) {
  json table = {{"kind", "Table"}, {"apiVersion", "meta.k8s.io/v1"}, {"metadata", json::object()}};
  table["columnDefinitions"] = with_columns ? TableColumnDefinitions(type) : json(nullptr);
  json rows = json::array();
  for (const json& object : objects) rows.push_back(TableRow(type, object, include_object, now));
  table["rows"] = rows;
  return table;
}

}  // namespace mdo::testserver
