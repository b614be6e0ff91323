#pragma once
// What MariaDB's and MySQL's dump tools print, read: the release a mariadb-dump or
// mysqldump belongs to, and a baseline's body from its dump. Pure: text in, text out
// (tests/unit).

#include <optional>
#include <string>
#include <string_view>

namespace sqlmig::db {

// A baseline's body (`sqlmig squash`) from mariadb-dump: without the sandbox-mode line
// newer clients write first, which only the mariadb client reads.
std::string baseline_from_mariadb_dump(std::string_view dump);

// The server release a mariadb-dump or mysqldump belongs to, from `--version`:
// "mariadb-dump  Ver 10.19 Distrib 10.11.6-MariaDB, for debian-linux-gnu" -> 10.11, MariaDB;
// "mariadb-dump from 11.4.2-MariaDB, client 10.19" -> 11.4; "mysqldump  Ver 8.0.35 for Linux" -> 8.0, MySQL.
struct MysqlRelease {
    int number = 0;        // major * 100 + minor: 1011 for 10.11
    bool mariadb = false;  // MariaDB's numbering, not MySQL's
    std::string text;      // "10.11"
};
std::optional<MysqlRelease> mysql_tool_release(std::string_view version_output);

// The same from mysql_get_server_version() (101106 -> 10.11; 80035 -> 8.0). MariaDB's
// releases start at 10.0, MySQL's end at 9.x.
MysqlRelease mysql_server_release(int server_version);

}  // namespace sqlmig::db
