#pragma once
// The migration folder layouts sqlmig reads: its own, and those of the tools teams
// switch from, each read as that tool reads it (docs/formats.md names the source and
// version each rule follows). A format decides three things: which file names are
// migrations and what version each has (here), how the up and down of a file are
// found (core/sections.hpp), and what `new` writes (cli/cmd_new.cpp).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/version.hpp"

namespace sqlmig::core {

enum class Format {
    sqlmig,       // NNN_name.up.sql / NNN_name.down.sql, as golang-migrate also reads them
    dbmate,       // NNN_name.sql with -- migrate:up / -- migrate:down
    goose,        // NNN_name.sql with -- +goose Up / -- +goose Down
    sql_migrate,  // any NAME.sql with -- +migrate Up / -- +migrate Down
    flyway,       // V<version>__<desc>.sql, U<version>__<desc>.sql (undo), R__<desc>.sql
};

// "sqlmig", "dbmate", "goose", "sql-migrate", "flyway".
const char* format_name(Format format);
std::optional<Format> parse_format(std::string_view name);
inline constexpr const char* k_format_names = "sqlmig, dbmate, goose, sql-migrate, flyway";

// Whether one file holds both directions, in sections.
bool has_sections(Format format);

// What one file is to its migration.
enum class FileRole {
    up,          // the whole file is the up
    down,        // the whole file is the down (sqlmig's .down.sql, Flyway's U file)
    both,        // the file holds the up and the down in sections
    repeatable,  // Flyway's R__ file: run after the versioned ones, again when it changes
};

struct ParsedName {
    Version version;
    std::string name;
    FileRole role = FileRole::up;
    std::string warning;  // accepted, but not as the format's documentation writes it
};

// Parses one file name of a folder in this format. nullopt with *why set when the
// name looks like a migration of the format but breaks its grammar (an error); nullopt
// with *why empty when it is not a migration at all (README.md, .gitkeep, a Flyway
// callback, a .sql.conf file), which *note may explain (a warning) when not empty.
std::optional<ParsedName> parse_name(Format format, std::string_view file_name, std::string* why,
                                     std::string* note = nullptr);

// The grammar in a few words, for messages.
const char* name_grammar_hint(Format format);

// Which tool's folder this looks like, for `init` in an existing project and for the
// error about misnamed files: .up.sql/.down.sql pairs (sqlmig, golang-migrate), Flyway's
// V<version>__<desc>.sql, or the up marker in a .sql file's text (dbmate's
// "-- migrate:up", goose's "-- +goose Up", sql-migrate's "-- +migrate Up"). Each file
// votes once; the most votes win. nullopt when no file looks like any of them.
struct FileHead {
    std::string name;
    std::string text;  // the file's first few KB
};
struct DetectedFormat {
    Format format = Format::sqlmig;
    std::string evidence;  // "20240103120000_users.sql has '-- migrate:up'"
};
std::optional<DetectedFormat> detect_format(const std::vector<FileHead>& files);

}  // namespace sqlmig::core
