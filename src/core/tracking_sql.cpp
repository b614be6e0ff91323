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

const TrackingSql& tracking_dialect(Dialect dialect) {
    return dialect->tracking;
}

std::string quote_identifier(std::string_view name, Dialect dialect) {
    const char q = tracking_dialect(dialect).quote;
    return q + std::string(name) + q;  // names are validated identifiers: nothing to escape
}

std::string hex_literal(std::string_view value) {
    static constexpr char k_digits[] = "0123456789ABCDEF";
    std::string out = "X'";
    for (const char c : value) {
        const auto u = static_cast<unsigned char>(c);
        out += k_digits[u >> 4];
        out += k_digits[u & 0xF];
    }
    return out + "'";
}

}  // namespace

std::string TableName::quoted(Dialect dialect) const {
    return (schema ? quote_identifier(*schema, dialect) + "." : std::string()) + quote_identifier(table, dialect);
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
    // 56: the table's <name>_layout companion must fit PostgreSQL's and MySQL's 63 and 64.
    if ((name.schema && !is_identifier(*name.schema)) || !is_identifier(name.table) || name.table.size() > 56) {
        throw ConfigError("invalid tracking table name '" + util::printable(value) +
                          "': use letters, digits and '_' (at most 56), optionally as schema.table");
    }
    return name;
}

std::string sql_literal(std::string_view value, Dialect dialect) {
    const Backslashes backslashes = tracking_dialect(dialect).backslashes;
    if (backslashes == Backslashes::hex && value.find('\\') != std::string_view::npos) {
        std::string without_nul;
        for (const char c : value) {
            if (c != '\0') {
                without_nul += c;
            }
        }
        return hex_literal(without_nul);
    }
    const bool escapes = backslashes == Backslashes::escape_string;
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

std::string create_schema_sql(const TableName& table, Dialect dialect) {
    if (!table.schema) {
        return "";
    }
    return std::string("CREATE ") + tracking_dialect(dialect).schema_object + " IF NOT EXISTS " +
           quote_identifier(*table.schema, dialect);
}

std::string create_table_sql(const TableName& table, Dialect dialect) {
    const TrackingSql& d = tracking_dialect(dialect);
    const std::string text = d.text_type;
    return "CREATE TABLE IF NOT EXISTS " + table.quoted(dialect) +
           " (\n"
           "    version     " + d.key_type + " PRIMARY KEY,\n"
           "    name        " + text + " NOT NULL,\n"
           "    checksum    " + text + " NOT NULL,\n"
           "    state       " + text + " NOT NULL DEFAULT 'applied',\n"
           "    applied_at  " + text + " NOT NULL,\n"
           "    duration_ms BIGINT NOT NULL DEFAULT 0,\n"
           "    applied_by  " + text + " NOT NULL DEFAULT '',\n"
           "    failure     TEXT,\n"
           "    backup      " + text + ",\n"
           "    up_sql      " + d.sql_type + ",\n"
           "    down_sql    " + d.sql_type + ",\n"
           "    down_checksum " + text + ",\n"
           "    statements_done BIGINT,\n"
           "    journal_checksum " + text + "\n"
           ")" + d.table_options;
}

TableName layout_table(const TableName& table) {
    TableName layout = table;
    layout.table += "_layout";  // within 63 characters: parse_table_name keeps table names to 56
    return layout;
}

std::string select_layout_sql(const TableName& table, Dialect dialect) {
    return "SELECT layout FROM " + layout_table(table).quoted(dialect);
}

std::vector<std::string> create_layout_sql(const TableName& table, Dialect dialect) {
    const std::string name = layout_table(table).quoted(dialect);
    return {"CREATE TABLE IF NOT EXISTS " + name + " (layout INTEGER NOT NULL)", "DELETE FROM " + name,
            "INSERT INTO " + name + " (layout) VALUES (" + std::to_string(k_tracking_layout) + ")"};
}

std::string add_column_sql(const TableName& table, std::string_view column, Dialect dialect) {
    const TrackingSql& d = tracking_dialect(dialect);
    const char* type = column == "up_sql" || column == "down_sql" ? d.sql_type
                       : column == "statements_done"                ? "BIGINT"
                                                                    : d.text_type;
    return "ALTER TABLE " + table.quoted(dialect) + " ADD COLUMN " + std::string(column) + " " + type;
}

std::string set_journal_sql(const TableName& table, const Version& version, std::optional<std::int64_t> done,
                            std::string_view checksum, Dialect dialect) {
    return "UPDATE " + table.quoted(dialect) + " SET statements_done = " +
           (done ? std::to_string(*done) : std::string("NULL")) +
           ", journal_checksum = " + (done ? sql_literal(checksum, dialect) : std::string("NULL")) +
           " WHERE version = " + sql_literal(version.canonical(), dialect);
}

std::string select_journals_sql(const TableName& table, Dialect dialect) {
    return "SELECT version, statements_done, journal_checksum FROM " + table.quoted(dialect) +
           " WHERE state IN (" +
           sql_literal(k_state_running, dialect) + ", " + sql_literal(k_state_reverting, dialect) + ", " +
           sql_literal(k_state_failed, dialect) + ") AND statements_done IS NOT NULL";
}

std::string select_stored_sql(const TableName& table, const Version& version, Dialect dialect) {
    return "SELECT up_sql, down_sql, down_checksum FROM " + table.quoted(dialect) +
           " WHERE version = " + sql_literal(version.canonical(), dialect);
}

std::string select_stored_down_versions_sql(const TableName& table, Dialect dialect) {
    return "SELECT version FROM " + table.quoted(dialect) + " WHERE down_sql IS NOT NULL";
}

std::string upsert_row_sql(const TableName& table, const AppliedRow& row, Dialect dialect) {
    const auto lit = [dialect](std::string_view s) { return sql_literal(s, dialect); };
    const auto nullable = [&](const std::string& s) { return s.empty() ? std::string("NULL") : lit(s); };
    const auto optional = [&](const std::optional<std::string>& s) { return s ? lit(*s) : std::string("NULL"); };
    const TrackingSql& d = tracking_dialect(dialect);
    std::string sql = std::string(d.upsert_head) + " " + table.quoted(dialect) +
           " (version, name, checksum, state, applied_at, duration_ms, applied_by, failure, backup, up_sql, down_sql, "
           "down_checksum) VALUES (" +
           lit(row.version.canonical()) + ", " + lit(row.name) + ", " + lit(row.checksum) + ", " + lit(row.state) +
           ", " + lit(row.applied_at) + ", " + std::to_string(row.duration_ms) + ", " + lit(row.applied_by) + ", " +
           nullable(row.failure) + ", " + nullable(row.backup) + ", " + optional(row.up_sql) + ", " +
           optional(row.down_sql) + ", " + optional(row.down_checksum) + ")";
    if (d.on_conflict) {
        sql += " ON CONFLICT (version) DO UPDATE SET name = excluded.name, checksum = excluded.checksum, "
               "state = excluded.state, applied_at = excluded.applied_at, duration_ms = excluded.duration_ms, "
               "applied_by = excluded.applied_by, failure = excluded.failure, backup = excluded.backup, "
               "up_sql = excluded.up_sql, down_sql = excluded.down_sql, down_checksum = excluded.down_checksum";
    }
    return sql;
}

std::string set_state_sql(const TableName& table, const Version& version, std::string_view state,
                          std::string_view failure, Dialect dialect) {
    return "UPDATE " + table.quoted(dialect) + " SET state = " + sql_literal(state, dialect) +
           ", failure = " + (failure.empty() ? std::string("NULL") : sql_literal(failure, dialect)) +
           " WHERE version = " + sql_literal(version.canonical(), dialect);
}

std::string set_checksum_sql(const TableName& table, const Version& version, std::string_view checksum,
                             Dialect dialect) {
    return "UPDATE " + table.quoted(dialect) + " SET checksum = " + sql_literal(checksum, dialect) +
           " WHERE version = " + sql_literal(version.canonical(), dialect);
}

std::string delete_row_sql(const TableName& table, const Version& version, Dialect dialect) {
    return "DELETE FROM " + table.quoted(dialect) + " WHERE version = " + sql_literal(version.canonical(), dialect);
}

AppliedRow applied_row(const TrackingValues& values, const TableName& table) {
    const auto value = [&](TrackingColumn c) { return values[static_cast<std::size_t>(c)]; };
    AppliedRow row;
    auto version = Version::parse_stored(value(TrackingColumn::version));
    if (!version) {
        throw DbError("the tracking table " + table.display() + " has a row with version '" +
                      util::printable(value(TrackingColumn::version)) + "', which is not a version sqlmig writes; was it edited by hand?");
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

std::string select_rows_sql(const TableName& table, Dialect dialect) {
    return "SELECT version, name, checksum, state, applied_at, duration_ms, applied_by, "
           "COALESCE(failure, ''), COALESCE(backup, '') FROM " +
           table.quoted(dialect);
}

}  // namespace sqlmig::core
