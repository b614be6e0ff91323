#include "db/sqlite/backup_api.hpp"

#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <memory>
#include <thread>
#include <vector>

#include "db/sqlite/handles.hpp"
#include "util/error.hpp"

namespace sqlmig::db {

namespace {

struct BackupFinish {
    void operator()(sqlite3_backup* b) const { sqlite3_backup_finish(b); }
};
SqliteHandle open_database(const std::filesystem::path& file, int flags) {
    sqlite3* raw = nullptr;
    const int rc = sqlite3_open_v2(file.c_str(), &raw, flags | SQLITE_OPEN_NOMUTEX, nullptr);
    SqliteHandle db(raw);
    if (rc != SQLITE_OK) {
        const std::string msg = db ? sqlite3_errmsg(db.get()) : sqlite3_errstr(rc);
        throw DbError("cannot open SQLite database " + file.string() + ": " + msg);
    }
    return db;
}

}  // namespace

bool is_sqlite_file(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    char header[16] = {};
    in.read(header, sizeof header);
    return in.gcount() == sizeof header && std::memcmp(header, "SQLite format 3", 16) == 0;
}

void sqlite_copy(const std::filesystem::path& from, const std::filesystem::path& to,
                 std::chrono::milliseconds busy_timeout) {
    if (!is_sqlite_file(from)) {
        throw DbError(from.string() + " is not a SQLite database file");
    }
    SqliteHandle source = open_database(from, SQLITE_OPEN_READONLY);
    SqliteHandle dest = open_database(to, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    sqlite3_busy_timeout(source.get(), static_cast<int>(busy_timeout.count()));
    sqlite3_busy_timeout(dest.get(), static_cast<int>(busy_timeout.count()));
    std::unique_ptr<sqlite3_backup, BackupFinish> copy(sqlite3_backup_init(dest.get(), "main", source.get(), "main"));
    if (!copy) {
        throw DbError("cannot copy " + from.string() + " to " + to.string() + ": " + sqlite3_errmsg(dest.get()));
    }
    // All pages in one step: the copy is one consistent snapshot of the source.
    const auto deadline = std::chrono::steady_clock::now() + busy_timeout;
    int rc = SQLITE_OK;
    while ((rc = sqlite3_backup_step(copy.get(), -1)) == SQLITE_BUSY || rc == SQLITE_LOCKED) {
        if (std::chrono::steady_clock::now() >= deadline) {
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    const int finish_rc = sqlite3_backup_finish(copy.release());
    if (rc != SQLITE_DONE || finish_rc != SQLITE_OK) {
        throw DbError("cannot copy " + from.string() + " to " + to.string() + ": " +
                      sqlite3_errstr(rc != SQLITE_DONE ? rc : finish_rc));
    }
}

bool sqlite_holds_rows(const std::filesystem::path& database, const std::vector<std::string>& except_tables,
                       std::chrono::milliseconds busy_timeout) {
    SqliteHandle db = open_database(database, SQLITE_OPEN_READONLY);
    sqlite3_busy_timeout(db.get(), static_cast<int>(busy_timeout.count()));
    std::vector<std::string> tables;
    {
        sqlite3_stmt* raw = nullptr;
        const char* sql =
            "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'";
        const int prc = sqlite3_prepare_v2(db.get(), sql, -1, &raw, nullptr);
        StatementHandle stmt(raw);
        if (prc != SQLITE_OK) {
            throw DbError("cannot read the tables of " + database.string() + ": " + sqlite3_errmsg(db.get()));
        }
        while (sqlite3_step(stmt.get()) == SQLITE_ROW) {
            tables.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(stmt.get(), 0)));
        }
    }
    for (const auto& table : tables) {
        if (std::find(except_tables.begin(), except_tables.end(), table) != except_tables.end()) {
            continue;
        }
        std::string quoted = "\"";
        for (const char c : table) {
            quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
        }
        const std::string sql = "SELECT 1 FROM " + quoted + "\" LIMIT 1";
        sqlite3_stmt* raw = nullptr;
        const int prc = sqlite3_prepare_v2(db.get(), sql.c_str(), -1, &raw, nullptr);
        StatementHandle stmt(raw);
        if (prc != SQLITE_OK || sqlite3_step(stmt.get()) != SQLITE_DONE) {
            spdlog::debug("{}: table {} holds a row or cannot be read ({})", database.string(), table,
                          sqlite3_errmsg(db.get()));
            return true;
        }
    }
    return false;
}

std::string sqlite_schema(const std::filesystem::path& database) {
    SqliteHandle db = open_database(database, SQLITE_OPEN_READONLY);
    sqlite3_stmt* raw = nullptr;
    const char* sql = "SELECT sql FROM sqlite_schema WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' "
                      "ORDER BY rowid";
    const int prc = sqlite3_prepare_v2(db.get(), sql, -1, &raw, nullptr);
    StatementHandle stmt(raw);
    if (prc != SQLITE_OK) {
        throw DbError("cannot read the schema of " + database.string() + ": " + sqlite3_errmsg(db.get()));
    }
    std::string out;
    int rc = 0;
    while ((rc = sqlite3_step(stmt.get())) == SQLITE_ROW) {
        out += reinterpret_cast<const char*>(sqlite3_column_text(stmt.get(), 0));
        out += ";\n";
    }
    if (rc != SQLITE_DONE) {
        throw DbError("cannot read the schema of " + database.string() + ": " + sqlite3_errmsg(db.get()));
    }
    return out;
}

namespace {

std::string quote_identifier(std::string_view name) {
    std::string quoted = "\"";
    for (const char c : name) {
        quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
    }
    return quoted + "\"";
}

// The text of each row of a query (one text column), or a DbError naming what was read.
std::vector<std::vector<std::string>> text_rows(sqlite3* db, const std::string& sql, std::size_t columns,
                                                const std::string& what) {
    sqlite3_stmt* raw = nullptr;
    const int prc = sqlite3_prepare_v2(db, sql.c_str(), -1, &raw, nullptr);
    StatementHandle stmt(raw);
    if (prc != SQLITE_OK) {
        throw DbError("cannot read " + what + ": " + sqlite3_errmsg(db));
    }
    std::vector<std::vector<std::string>> rows;
    int rc = 0;
    while ((rc = sqlite3_step(stmt.get())) == SQLITE_ROW) {
        auto& row = rows.emplace_back();
        for (std::size_t i = 0; i < columns; ++i) {
            const auto* text = sqlite3_column_text(stmt.get(), static_cast<int>(i));
            row.emplace_back(text ? reinterpret_cast<const char*>(text) : "");
        }
    }
    if (rc != SQLITE_DONE) {
        throw DbError("cannot read " + what + ": " + sqlite3_errmsg(db));
    }
    return rows;
}

// INSERTs of every row of a table, 100 rows a statement; "" for an empty table.
std::string table_inserts(sqlite3* db, const std::string& table) {
    const std::string quoted = quote_identifier(table);
    std::string columns;
    std::string values;
    for (const auto& column : text_rows(db, "SELECT name FROM pragma_table_info(" + quote_identifier(table) + ")", 1,
                                        "the columns of " + table)) {
        columns += (columns.empty() ? "" : ", ") + quote_identifier(column[0]);
        values += (values.empty() ? "quote(" : " || ', ' || quote(") + quote_identifier(column[0]) + ")";
    }
    if (columns.empty()) {
        return "";
    }
    constexpr std::size_t k_rows_per_insert = 100;
    const auto rows = text_rows(db, "SELECT " + values + " FROM " + quoted, 1, "the rows of " + table);
    std::string out;
    for (std::size_t i = 0; i < rows.size(); ++i) {
        out += i % k_rows_per_insert == 0 ? "INSERT INTO " + quoted + " (" + columns + ") VALUES\n  (" : ",\n  (";
        out += rows[i][0] + ")";
        if (i % k_rows_per_insert == k_rows_per_insert - 1 || i + 1 == rows.size()) {
            out += ";\n";
        }
    }
    return out;
}

}  // namespace

std::string sqlite_baseline(const std::filesystem::path& database, const std::vector<std::string>& except_tables) {
    SqliteHandle db = open_database(database, SQLITE_OPEN_READONLY);
    const auto objects = text_rows(db.get(),
                                   "SELECT type, name, tbl_name, sql FROM sqlite_schema WHERE sql IS NOT NULL "
                                   "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY rowid",
                                   4, "the schema of " + database.string());
    const auto left_out = [&](const std::string& table) {
        return std::find(except_tables.begin(), except_tables.end(), table) != except_tables.end();
    };
    std::vector<std::string> virtual_tables;  // their shadow tables are made by their CREATE, and filled through them
    const auto shadow = [&](const std::string& table) {
        return std::any_of(virtual_tables.begin(), virtual_tables.end(),
                           [&](const std::string& v) { return table.rfind(v + "_", 0) == 0; });
    };
    // Deferred: a table made again by a migration (the 12-step ALTER) may come after the tables whose
    // foreign keys point at it; the check runs at the baseline's COMMIT.
    std::string out = "PRAGMA defer_foreign_keys = ON;\n";
    for (const auto& o : objects) {
        if (o[0] != "table" || left_out(o[1]) || shadow(o[1])) {
            continue;
        }
        if (o[3].rfind("CREATE VIRTUAL TABLE", 0) == 0) {
            virtual_tables.push_back(o[1]);
        }
        out += o[3] + ";\n" + table_inserts(db.get(), o[1]);
    }
    const bool has_sequences = !text_rows(db.get(), "SELECT 1 FROM sqlite_schema WHERE name = 'sqlite_sequence'", 1,
                                          "the schema of " + database.string())
                                    .empty();
    const auto sequences = !has_sequences ? std::vector<std::vector<std::string>>() : text_rows(db.get(),
                                     "SELECT quote(q.name) || ', ' || quote(q.seq) FROM sqlite_schema s JOIN "
                                     "sqlite_sequence q ON q.name = s.name WHERE s.type = 'table'",
                                     1, "sqlite_sequence");
    if (!sequences.empty()) {
        out += "DELETE FROM sqlite_sequence;\n";
        for (const auto& row : sequences) {
            out += "INSERT INTO sqlite_sequence (name, seq) VALUES (" + row[0] + ");\n";
        }
    }
    for (const auto& o : objects) {
        if (o[0] != "table" && !left_out(o[2]) && !shadow(o[2])) {
            out += o[3] + ";\n";
        }
    }
    return out;
}

}  // namespace sqlmig::db
