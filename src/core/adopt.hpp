#pragma once
// `sqlmig adopt --from TOOL`: what another tool's history table says is applied, and
// what sqlmig records from it. Pure: the caller runs source_query() and passes the rows in.

#include <optional>
#include <string>
#include <vector>

#include "core/dialect.hpp"
#include "core/migration.hpp"
#include "core/tracking_sql.hpp"

namespace sqlmig::core {

enum class SourceTool { golang_migrate, dbmate, goose, sql_migrate, flyway };
// Every tool, in the order messages, help and completion list them.
inline constexpr SourceTool k_source_tools[] = {SourceTool::golang_migrate, SourceTool::dbmate, SourceTool::goose,
                                                SourceTool::sql_migrate, SourceTool::flyway};

// "golang-migrate", "dbmate", "goose", "sql-migrate", "flyway".
const char* source_tool_name(SourceTool tool);
std::optional<SourceTool> parse_source_tool(std::string_view name);
inline constexpr const char* k_source_tool_names = "golang-migrate, dbmate, goose, sql-migrate, flyway";
// The history table the tool creates by default.
const char* default_history_table(SourceTool tool);

// The SELECT that reads the tool's history table.
std::string source_query(SourceTool tool, const TableName& table, Dialect dialect);

struct SourceEntry {
    std::optional<Version> version;  // none: match by file name (sql-migrate)
    std::string file;                // sql-migrate's id; Flyway's script
    std::string applied_at;          // ISO 8601 UTC, or "" when the tool keeps none
    std::string label;               // how messages name it
};

struct SourceHistory {
    std::vector<SourceEntry> applied;
    std::optional<Version> through;  // every migration at or below is applied (golang-migrate, a Flyway baseline)
    std::string refusal;             // the source is dirty or has a failed row: why, naming the version
};

// Reads the rows of source_query(). Throws DbError for a row the tool would never write.
SourceHistory read_source(SourceTool tool, const TextRows& rows);

struct AdoptPlan {
    struct Record {
        const Migration* migration;
        std::string applied_at;
    };
    std::vector<Record> record;           // in version order
    std::vector<std::string> missing;     // applied in the source, no file here
    std::vector<std::string> disagreements;  // sqlmig's own rows that the source does not match
    bool already_adopted = false;         // sqlmig's rows are exactly what the source says
};

AdoptPlan plan_adopt(const SourceHistory& source, const std::vector<Migration>& migrations,
                     const std::vector<AppliedRow>& existing);

// "2024-01-02 03:04:05.123+00" or "2024-01-02T03:04:05Z" -> "2024-01-02T03:04:05Z"; "" when not a timestamp.
std::string iso8601_of(std::string_view text);

}  // namespace sqlmig::core
