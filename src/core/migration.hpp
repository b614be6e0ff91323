#pragma once
// What a migration is once the folder has been read, and what the tracking
// table says was applied.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/format.hpp"
#include "core/version.hpp"

namespace sqlmig::core {

// One version's files in the migrations folder.
struct Migration {
    Version version;
    std::string name;                      // from the up file name
    std::string up_file;                   // file name inside the folder
    std::optional<std::string> down_file;  // none: irreversible; the up file itself when it has sections
    Format format = Format::sqlmig;        // how its files are read
    // "sha256:<hex>" of the up file, filled in at the edge when needed.
    std::optional<std::string> checksum;
    // Its files are gone; the tracking table kept the SQL it ran (a migration of
    // another branch). Only a down can run it: status shows it missing (stored).
    bool stored = false;
    // A baseline (core/squash.hpp): the first of the versions it replaces, up to its own.
    std::optional<Version> squashes_from;
};

// Tracking-table row states.
inline constexpr const char* k_state_applied = "applied";
inline constexpr const char* k_state_failed = "failed";
// Recorded before the first statement of a migration that cannot run in one
// transaction: a run killed midway leaves this, never a silent "pending".
inline constexpr const char* k_state_running = "running";
// The same for a down: the migration was applied when its down began.
inline constexpr const char* k_state_reverting = "reverting";
// The failure text of a running row that `repair` put back after a statement sqlmig could not
// resolve: a person checked that statement, and the resumed run runs it again without asking.
inline constexpr const char* k_checked_by_repair = "its interrupted statement was checked (sqlmig repair)";

// One row of the tracking table.
struct AppliedRow {
    Version version;
    std::string name;
    std::string checksum;
    std::string state = k_state_applied;  // "applied", "failed", "running" or "reverting"
    std::string applied_at;               // UTC, ISO 8601
    std::int64_t duration_ms = 0;
    std::string applied_by;               // user@host
    std::string failure;                  // for "failed": file:line:col and the message
    std::string backup;                   // backup file taken right before, if any
    // Written with the row: the SQL that ran and the down that existed then (none: not stored).
    std::optional<std::string> up_sql;
    std::optional<std::string> down_sql;
    std::optional<std::string> down_checksum;
    // Read: the tracking table holds a down for this version (core/tracking_sql.hpp).
    bool stored_down = false;
    // Read for a running, reverting or failed row (layout 3): how many of its file's statements
    // committed, and that file's checksum. Without it, an interrupted migration needs a person (repair).
    std::optional<std::int64_t> statements_done;
    std::string journal_checksum;
};

// Rows of a query as text, NULL as nullopt (another tool's history table, for `adopt`).
using TextRows = std::vector<std::vector<std::optional<std::string>>>;

}  // namespace sqlmig::core
