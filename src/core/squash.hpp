#pragma once
// Squashing (docs/squash.md): a baseline file replaces the migrations up to a version.
// It takes that version, is named `<version>_baseline` in the folder's format, and its
// first line says which versions it replaces:
//     -- sqlmig:baseline squashes 001..005
// The replaced files move to the folder's `squashed/` subfolder (a second squash moves what it
// held to squashed/squashed/ first: each level is a squashed folder), which discovery does not
// read. What a baseline means to a database (core/plan.hpp, build_status):
//  - every squashed version applied by the old files: the baseline counts as applied;
//  - none of them: the baseline runs, then the files after it;
//  - some, not the baseline's own version: refused until the old files take it past it.
// Pure: the caller reads the files and passes their first bytes in.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/dialect.hpp"
#include "core/discovery.hpp"
#include "core/migration.hpp"

namespace sqlmig::core {

inline constexpr std::string_view k_baseline_marker = "-- sqlmig:baseline squashes ";
inline constexpr std::string_view k_baseline_name = "baseline";
inline constexpr const char* k_squashed_folder = "squashed";

// The header line (with its newline) of a baseline replacing versions first..last.
std::string baseline_header(const Version& first, const Version& last);

// Whether a migration may be a baseline, so that the edge reads its first line: its name
// says "baseline" (reading the first line of every file would cost a large folder dearly).
bool may_be_baseline(const Migration& m);

// The first version a baseline replaces, from the first bytes of its up file; nullopt when
// the file does not start with the header. *why is set when it starts with the marker but
// the range is not "<first>..<its own version>" (an error naming the file).
std::optional<Version> parse_baseline_header(std::string_view head, const Migration& m, std::string* why);

// Errors of a folder holding baselines: a file whose version lies inside a baseline's
// range (it was squashed, or came after the squash from another branch), or two
// baselines whose ranges overlap. Appended to catalog.errors.
void check_baselines(Catalog& catalog);

// What `squash --to VERSION` replays and replaces.
struct SquashPlan {
    std::vector<const Migration*> replay;  // in order, up to and with the target (an earlier baseline first)
    const Migration* target = nullptr;
    Version first;                         // the first version the new baseline replaces
};
// `to` is a version, or in a sql-migrate folder a file name (or its number when one file has
// it). Throws UsageError for a version the folder does not have, RefusedError when the folder
// is already squashed to it or past it, or when there is nothing to squash.
SquashPlan plan_squash(const Catalog& catalog, const std::string& to);

// The baseline's file name and text in the folder's format: the header, then `body` (the
// SQL that recreates the schema and rows) inside the format's up marker; no down. It is named
// `<version>_baseline`, except in sql-migrate, whose versions are file names: there it takes
// the replaced file's name, so that a database that applied that file has its identity.
struct BaselineFile {
    std::string name;
    std::string text;
};
BaselineFile baseline_file(Format format, const Version& first, const Version& version, std::string_view body);

// A query listing each table (and PostgreSQL sequence) of the database as rows (name, the
// query that reads its rows as text): what squash compares between the replay and the
// baseline. Names are schema.table on PostgreSQL, the table's name elsewhere.
std::string row_queries_sql(Dialect dialect);

}  // namespace sqlmig::core
