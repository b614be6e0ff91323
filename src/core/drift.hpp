#pragma once
// Schema drift (`sqlmig drift`, docs/drift.md): the schema the applied migrations make,
// replayed on a scratch database, against the live database's, both as snapshot lines
// (db::Driver::schema_snapshot()). Pure: the lines and the patterns come in as values.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/dialect.hpp"

namespace sqlmig::core {

// What a snapshot line describes, in words common to every database.
enum class ObjectKind {
    schema, extension, table, view, sequence, column, constraint, index, function, trigger, type, policy, comment,
    event
};
std::string_view to_string(ObjectKind kind);
std::optional<ObjectKind> parse_object_kind(std::string_view word);
// "schema, extension, table, ...": for messages and docs.
inline constexpr const char* k_object_kind_names =
    "schema, extension, table, view, sequence, column, constraint, index, function, trigger, type, policy, comment, "
    "event";

// One object, named as the database names it: "public.users" (PostgreSQL; SQLite and MariaDB have
// no schema: "users"), "public.users.email" for a column, constraint, trigger or policy.
struct SchemaObject {
    ObjectKind kind = ObjectKind::table;
    std::string name;
    std::string table;  // the table it belongs to (a column, index, constraint, trigger...), "" for none
    bool operator==(const SchemaObject&) const = default;
};

// The object a snapshot line of this dialect's driver describes (its DialectDefinition's
// snapshot_object reads the line's words).
SchemaObject object_of(std::string_view line, Dialect dialect);
// For each dialect's snapshot_object: the first word of `rest` and what follows its space (a word
// holding '(' runs to the matching ')': a function's argument list has spaces), and "public.users"
// of "public.users.email" (what a column, constraint, trigger or policy belongs to).
std::pair<std::string_view, std::string_view> snapshot_word(std::string_view rest);
std::string snapshot_owner(std::string_view member);

// An ignore pattern: "GLOB" over object names of any kind, or "KIND:GLOB" over one kind's.
// `schema:GLOB` also covers every object in the schemas it matches, `table:GLOB` every object of
// the tables it matches (columns, indexes, constraints, triggers...). Globs are fnmatch's: '*'
// matches any characters, dots too.
struct DriftPattern {
    std::optional<ObjectKind> kind;
    std::string glob;
    std::string text;  // as written
};
// Throws ConfigError "<where>: unknown object kind 'x' in pattern 'x:y'; expected one of ..." and for
// an empty pattern.
DriftPattern parse_drift_pattern(std::string_view text, const std::string& where);
bool matches(const DriftPattern& pattern, const SchemaObject& object);

// The patterns of an ignore file (.sqlmig-drift-ignore): one a line, '#' starts a comment,
// blank lines skipped. `label` names the file in errors ("label:LINE: ...").
std::vector<DriftPattern> parse_drift_ignore_file(std::string_view text, const std::string& label);

enum class ObjectChange { added, missing, changed };  // found only live, only expected, on both but different
std::string_view to_string(ObjectChange change);

struct ObjectDrift {
    SchemaObject object;
    ObjectChange change = ObjectChange::changed;
    std::vector<std::string> expected;  // its lines from the replay that the live database lacks
    std::vector<std::string> found;     // its lines in the live database that the replay lacks
};

struct DriftReport {
    std::vector<ObjectDrift> objects;  // by kind, then name
    std::size_t ignored = 0;           // objects that differ but match an ignore pattern
    bool clean() const { return objects.empty(); }
};

// The objects whose lines differ between the replay (`expected`) and the live database (`live`),
// both sorted snapshots of `dialect`'s driver, less those matching a pattern of `ignore`.
DriftReport compare_schemas(const std::vector<std::string>& expected, const std::vector<std::string>& live,
                            Dialect dialect, const std::vector<DriftPattern>& ignore);

}  // namespace sqlmig::core
