#pragma once
// What PostgreSQL's dump tools print, read: pg_dump's version and options, and a
// baseline's body from its dump. Pure: text in, text out (tests/unit).

#include <optional>
#include <string>
#include <string_view>

namespace sqlmig::db {

// Major version as PostgreSQL compares them: 15.4 -> 15, 9.6.24 -> 9.6. From the
// "pg_dump (PostgreSQL) 15.4 (Debian 15.4-1)" line of `pg_dump --version`.
struct PgMajor {
    int number = 0;    // 1500 for 15, 906 for 9.6
    std::string text;  // "15", "9.6"
};
std::optional<PgMajor> pg_tool_major(std::string_view version_output);

// Whether this pg_dump takes --restrict-key, from its `--help` output. pg_dump 18, and
// 17.6, 16.10, 15.14, 14.19, 13.22 (August 2025), write `\restrict KEY` and `\unrestrict KEY`
// lines around a plain dump with a random KEY unless one is given.
bool pg_dump_has_restrict_key(std::string_view help_output);

// The fixed key the schema file is dumped with, so that the same schema gives the same bytes.
inline constexpr std::string_view k_schema_restrict_key = "sqlmigschema";

// A baseline's body (`sqlmig squash`, docs/squash.md) from `pg_dump --format=plain --inserts`:
// without the lines only psql runs (\restrict, \connect), the session settings sqlmig's
// connection keeps its own values of (timeouts, client encoding, search_path, defaults for
// new tables), and the machine's versions; the settings the dump's text needs to mean what
// it meant (standard_conforming_strings, check_function_bodies, xmloption, row_security) as
// SET LOCAL, which lasts until the baseline's transaction ends.
std::string baseline_from_pg_dump(std::string_view dump);

// The same from the server's server_version_num (150004 -> 15, 90624 -> 9.6).
PgMajor pg_server_major(int server_version_num);

}  // namespace sqlmig::db
