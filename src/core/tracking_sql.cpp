#include "core/tracking_sql.hpp"

#include <charconv>

#include "util/error.hpp"
#include "util/text.hpp"

namespace sqlmig::core {

namespace {

bool is_identifier(std::string_view s) {
    if (s.empty() || s.size() > 63) {
        return false;
    }
    const auto ok_first = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; };
    if (!ok_first(s[0])) {
        return false;
    }
    for (const char c : s) {
        if (!ok_first(c) && !(c >= '0' && c <= '9')) {
            return false;
        }
    }
    return true;
}

// How the tracking table's SQL differs between dialects.
struct TrackingDialect {
    bool backslash_escapes;     // a backslash in a string literal needs E'' (PostgreSQL)
    const char* table_options;  // after CREATE TABLE (...)
};

TrackingDialect tracking_dialect(Dialect dialect) {
    switch (dialect) {
    case Dialect::postgres: return {true, ""};
    // WITHOUT ROWID keeps the rows in the primary key's B-tree, so each migration's
    // row dirties one B-tree instead of a table and its index.
    case Dialect::sqlite: return {false, " WITHOUT ROWID"};
    }
    return {false, ""};
}

}  // namespace

std::string TableName::quoted() const {
    return (schema ? "\"" + *schema + "\"." : std::string()) + "\"" + table + "\"";
}

std::string TableName::display() const {
    return (schema ? *schema + "." : std::string()) + table;
}

TableName parse_table_name(std::string_view value) {
    const auto dot = value.find('.');
    TableName name;
    if (dot != std::string_view::npos) {
        name.schema = std::string(value.substr(0, dot));
        name.table = std::string(value.substr(dot + 1));
    } else {
        name.table = std::string(value);
    }
    if ((name.schema && !is_identifier(*name.schema)) || !is_identifier(name.table)) {
        throw ConfigError("invalid tracking table name '" + util::printable(value) +
                          "': use letters, digits and '_' (at most 63), optionally as schema.table");
    }
    return name;
}

std::string sql_literal(std::string_view value, Dialect dialect) {
    const bool escapes = tracking_dialect(dialect).backslash_escapes;
    std::string out;
    bool backslash = false;
    for (const char c : value) {
        if (c == '\0') {
            continue;  // no SQL string can hold NUL; tracking values never legitimately do
        }
        if (c == '\'') {
            out += "''";
        } else if (c == '\\' && escapes) {
            out += "\\\\";
            backslash = true;
        } else {
            out += c;
        }
    }
    return (backslash ? "E'" : "'") + out + "'";
}

std::string create_schema_sql(const TableName& table) {
    return table.schema ? "CREATE SCHEMA IF NOT EXISTS \"" + *table.schema + "\"" : std::string();
}

std::string create_table_sql(const TableName& table, Dialect dialect) {
    const char* options = tracking_dialect(dialect).table_options;
    return "CREATE TABLE IF NOT EXISTS " + table.quoted() +
           " (\n"
           "    version     TEXT PRIMARY KEY,\n"
           "    name        TEXT NOT NULL,\n"
           "    checksum    TEXT NOT NULL,\n"
           "    state       TEXT NOT NULL DEFAULT 'applied',\n"
           "    applied_at  TEXT NOT NULL,\n"
           "    duration_ms BIGINT NOT NULL DEFAULT 0,\n"
           "    applied_by  TEXT NOT NULL DEFAULT '',\n"
           "    failure     TEXT,\n"
           "    backup      TEXT\n"
           ")" + std::string(options);
}

std::string upsert_row_sql(const TableName& table, const AppliedRow& row, Dialect dialect) {
    const auto lit = [dialect](std::string_view s) { return sql_literal(s, dialect); };
    const auto nullable = [&](const std::string& s) { return s.empty() ? std::string("NULL") : lit(s); };
    return "INSERT INTO " + table.quoted() +
           " (version, name, checksum, state, applied_at, duration_ms, applied_by, failure, backup) VALUES (" +
           lit(row.version.canonical()) + ", " + lit(row.name) + ", " + lit(row.checksum) + ", " + lit(row.state) +
           ", " + lit(row.applied_at) + ", " + std::to_string(row.duration_ms) + ", " + lit(row.applied_by) + ", " +
           nullable(row.failure) + ", " + nullable(row.backup) +
           ") ON CONFLICT (version) DO UPDATE SET name = excluded.name, checksum = excluded.checksum, "
           "state = excluded.state, applied_at = excluded.applied_at, duration_ms = excluded.duration_ms, "
           "applied_by = excluded.applied_by, failure = excluded.failure, backup = excluded.backup";
}

std::string set_state_sql(const TableName& table, const Version& version, std::string_view state,
                          std::string_view failure, Dialect dialect) {
    return "UPDATE " + table.quoted() + " SET state = " + sql_literal(state, dialect) +
           ", failure = " + (failure.empty() ? std::string("NULL") : sql_literal(failure, dialect)) +
           " WHERE version = " + sql_literal(version.canonical(), dialect);
}

std::string delete_row_sql(const TableName& table, const Version& version, Dialect dialect) {
    return "DELETE FROM " + table.quoted() + " WHERE version = " + sql_literal(version.canonical(), dialect);
}

AppliedRow applied_row(const TrackingValues& values, const TableName& table) {
    const auto value = [&](TrackingColumn c) { return values[static_cast<std::size_t>(c)]; };
    AppliedRow row;
    auto version = Version::parse(value(TrackingColumn::version));
    if (!version) {
        throw DbError("the tracking table " + table.display() + " has a row with version '" +
                      util::printable(value(TrackingColumn::version)) + "', which is not a number; was it edited by hand?");
    }
    row.version = std::move(*version);
    row.name = value(TrackingColumn::name);
    row.checksum = value(TrackingColumn::checksum);
    row.state = value(TrackingColumn::state);
    row.applied_at = value(TrackingColumn::applied_at);
    const std::string_view duration = value(TrackingColumn::duration_ms);
    std::from_chars(duration.data(), duration.data() + duration.size(), row.duration_ms);
    row.applied_by = value(TrackingColumn::applied_by);
    row.failure = value(TrackingColumn::failure);
    row.backup = value(TrackingColumn::backup);
    return row;
}

std::string select_rows_sql(const TableName& table) {
    return "SELECT version, name, checksum, state, applied_at, duration_ms, applied_by, "
           "COALESCE(failure, ''), COALESCE(backup, '') FROM " +
           table.quoted();
}

}  // namespace sqlmig::core
