#pragma once
// A recording stub database for the engine tests (as golang-migrate's database/stub and ninja's
// FakeCommandRunner): it runs nothing, writes down every call the engine makes, and fails where a
// test asks. Registered for stub-tx:// (transactional DDL, PostgreSQL's dialect) and
// stub-implicit:// (DDL that commits implicitly, MySQL's dialect) by register_stub_backends().
// It asserts the engine's behaviour (the order of calls, what is recorded), never a database's.

#include <filesystem>
#include <string>
#include <vector>

#include "core/migration.hpp"

namespace sqlmig::test {

// Where the stub throws. A tracking write is the upsert or update of a migration's row.
enum class FailAt { nothing, begin, statement, commit, tracking_write };

struct StubDatabase {
    // One line per call: "lock", "read", "begin", "execute CREATE TABLE a (x int)", "record 1 applied",
    // "state 1 failed", "unrecord 1", "journal 1", "commit", "rollback", "unlock", "backup", ...
    // The tracking table's layout record is left out.
    std::vector<std::string> calls;
    std::vector<core::AppliedRow> rows;  // what read_applied() returns
    FailAt fail_at = FailAt::nothing;
    int fail_nth = 1;  // the nth statement, begin, commit or tracking write fails (1-based)
    bool holds_data = true;  // whether a backup is taken before a run
    // A file the hooks append a line to: each new line becomes a call "hook <line>" before the
    // next call (hooks run between the engine's calls), or at sync_hooks().
    std::filesystem::path hooks_log;
    std::size_t hook_lines = 0;
};

// The one database every stub connection opens; reset by each test.
StubDatabase& stub_database();

// Adds the lines the hooks wrote since the last call.
void sync_hooks();

// Adds the stub backends to the registry (once per process).
void register_stub_backends();

}  // namespace sqlmig::test
