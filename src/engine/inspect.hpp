#pragma once
// What the read-only commands read: the tracking rows and the status built from them.

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "engine/context.hpp"
#include "core/plan.hpp"

namespace sqlmig::engine {

// Rows are kept alive beside the status, which points into them.
struct Snapshot {
    std::vector<core::AppliedRow> rows;
    core::Status status;
};

// Connects read-only (creating nothing), reads the rows and checksums the applied files.
std::unique_ptr<Snapshot> read_snapshot(Context& ctx);
// The same on a connection already open to the context's database and tracking table.
std::unique_ptr<Snapshot> read_snapshot(Context& ctx, db::Driver& driver);

// What validate and check report: core::find_drift's problems, then each applied version a baseline
// replaced whose tracking row matches none of that version's files under squashed/ (a file edited
// after it was applied, and squashed since). A version with no file left under squashed/ (deleted
// once no database needed them) is not compared.
std::vector<std::string> validation_problems(Context& ctx, const core::Status& status);

// How many statements the file an interrupted entry was running holds now (status shows "3 of 7");
// nullopt when the file cannot be read.
std::optional<std::int64_t> statements_in_file(Context& ctx, const core::StatusEntry& entry);

// What the tracking table kept for one applied version (history --sql): each nullopt when not stored,
// or when the table's layout keeps no SQL.
struct StoredSql {
    std::optional<std::string> up;
    std::optional<std::string> down;
    std::optional<std::string> down_checksum;
};
StoredSql stored_sql(Context& ctx, const core::Version& version);

// The applied versions (canonical) when the database is a local file that exists; nullopt for a
// server, which a shell completion must never wait for.
std::optional<std::set<std::string>> applied_versions_if_local(Context& ctx);

}  // namespace sqlmig::engine
