#pragma once
// Which database a URL names. PostgreSQL URLs and key=value strings are kept
// as they are for libpq to parse; only SQLite URLs are resolved here.

#include <filesystem>
#include <string>
#include <string_view>

namespace sqlmig::core {

enum class Backend { sqlite, postgres };

struct DatabaseUrl {
    Backend backend = Backend::sqlite;
    std::string raw;                    // as configured (may hold a password: print redacted())
    std::filesystem::path sqlite_path;  // SQLite: the resolved file, or ":memory:"
    std::string redacted() const;
};

// sqlite:///relative/to/base_dir.db, sqlite:////absolute.db, sqlite://:memory:,
// postgres://..., postgresql://..., or a libpq "host=... dbname=..." string.
// Throws ConfigError for anything else, naming the accepted forms.
DatabaseUrl parse_database_url(std::string_view url, const std::filesystem::path& base_dir);

}  // namespace sqlmig::core
