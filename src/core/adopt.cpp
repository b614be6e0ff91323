#include "core/adopt.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "core/discovery.hpp"
#include "util/error.hpp"
#include "util/text.hpp"

namespace sqlmig::core {

namespace {

bool truthy(const std::optional<std::string>& value) {
    return value && (*value == "t" || *value == "true" || *value == "TRUE" || *value == "1");
}

const std::string& text_of(const std::vector<std::optional<std::string>>& row, std::size_t col, const char* what) {
    if (col >= row.size() || !row[col]) {
        throw DbError(std::string("the history table has a row without ") + what);
    }
    return *row[col];
}

Version numeric_version(const std::string& text, SourceTool tool) {
    auto v = Version::parse(text);
    if (!v) {
        throw DbError(std::string(source_tool_name(tool)) + "'s history has version '" + util::printable(text) +
                      "', which is not a number");
    }
    return *v;
}

SourceHistory read_golang_migrate(const TextRows& rows) {
    SourceHistory h;
    for (const auto& row : rows) {
        const Version v = numeric_version(text_of(row, 0, "a version"), SourceTool::golang_migrate);
        if (truthy(row.size() > 1 ? row[1] : std::nullopt)) {
            h.refusal = "golang-migrate marked version " + v.text() +
                        " dirty: it failed partway. Fix the database by hand, run 'migrate force " + v.text() +
                        "' (or the version before it), then adopt";
        }
        if (!h.through || *h.through < v) {
            h.through = v;
        }
    }
    return h;
}

SourceHistory read_goose(const TextRows& rows) {
    SourceHistory h;
    std::map<Version, std::pair<bool, std::string>> latest;  // version: applied, tstamp
    std::optional<std::pair<Version, bool>> newest;
    for (const auto& row : rows) {
        const Version v = numeric_version(text_of(row, 0, "a version_id"), SourceTool::goose);
        if (v.canonical() == "0") {
            continue;  // the row goose writes when it creates its table
        }
        const bool applied = truthy(row.size() > 1 ? row[1] : std::nullopt);
        latest[v] = {applied, row.size() > 2 && row[2] ? iso8601_of(*row[2]) : ""};
        newest = {v, applied};
    }
    if (newest && !newest->second) {
        h.refusal = "goose's newest row (version " + newest->first.text() +
                    ") is not applied: a down ran last, or failed. Finish with goose ('goose status' shows it), then adopt";
    }
    for (const auto& [v, state] : latest) {
        if (state.first) {
            h.applied.push_back({v, "", state.second, "version " + v.text()});
        }
    }
    return h;
}

SourceHistory read_flyway(const TextRows& rows) {
    SourceHistory h;
    std::map<Version, SourceEntry> applied;
    for (const auto& row : rows) {
        const auto cell = [&](std::size_t col) { return col < row.size() && row[col] ? *row[col] : std::string(); };
        const std::string version = cell(1);
        const std::string description = cell(2);
        const std::string type = cell(3);
        const std::string script = cell(4);
        const std::string label = (version.empty() ? "repeatable " + description : "version " + version) +
                                  (script.empty() ? "" : " (" + script + ")");
        if (type == "SCHEMA" || type == "DELETE") {
            continue;
        }
        if (!truthy(row.size() > 5 ? row[5] : std::nullopt)) {
            h.refusal = "Flyway's history has a failed migration, " + util::printable(label) +
                        ": fix the database, run 'flyway repair', then adopt";
            continue;
        }
        std::optional<Version> v = version.empty() ? std::optional<Version>(Version::repeatable(description))
                                                   : Version::parse_dotted(version);
        if (!v) {
            throw DbError("Flyway's history has version '" + util::printable(version) + "', which Flyway does not write");
        }
        if (type == "BASELINE") {
            h.through = *v;
        } else if (type == "UNDO_SQL" || type == "UNDO_JDBC") {
            applied.erase(*v);
        } else {
            applied[*v] = SourceEntry{*v, script, iso8601_of(cell(6)), label};
        }
    }
    for (auto& [v, e] : applied) {
        h.applied.push_back(std::move(e));
    }
    return h;
}

}  // namespace

const char* source_tool_name(SourceTool tool) {
    switch (tool) {
    case SourceTool::golang_migrate: return "golang-migrate";
    case SourceTool::dbmate: return "dbmate";
    case SourceTool::goose: return "goose";
    case SourceTool::sql_migrate: return "sql-migrate";
    case SourceTool::flyway: return "flyway";
    }
    return "";
}

std::optional<SourceTool> parse_source_tool(std::string_view name) {
    for (const SourceTool t : k_source_tools) {
        if (name == source_tool_name(t)) {
            return t;
        }
    }
    return std::nullopt;
}

const char* default_history_table(SourceTool tool) {
    switch (tool) {
    case SourceTool::golang_migrate:
    case SourceTool::dbmate: return "schema_migrations";
    case SourceTool::goose: return "goose_db_version";
    case SourceTool::sql_migrate: return "gorp_migrations";
    case SourceTool::flyway: return "flyway_schema_history";
    }
    return "";
}

std::string source_query(SourceTool tool, const TableName& table, Dialect dialect) {
    const std::string from = " FROM " + table.quoted(dialect);
    switch (tool) {
    case SourceTool::golang_migrate: return "SELECT version, dirty" + from;
    case SourceTool::dbmate: return "SELECT version" + from;
    case SourceTool::goose: return "SELECT version_id, is_applied, tstamp" + from + " ORDER BY id";
    case SourceTool::sql_migrate: return "SELECT id, applied_at" + from;
    case SourceTool::flyway:
        return "SELECT installed_rank, version, description, type, script, success, installed_on" + from +
               " ORDER BY installed_rank";
    }
    return "";
}

SourceHistory read_source(SourceTool tool, const TextRows& rows) {
    switch (tool) {
    case SourceTool::golang_migrate: return read_golang_migrate(rows);
    case SourceTool::goose: return read_goose(rows);
    case SourceTool::flyway: return read_flyway(rows);
    case SourceTool::dbmate: {
        SourceHistory h;
        for (const auto& row : rows) {
            const Version v = numeric_version(text_of(row, 0, "a version"), tool);
            h.applied.push_back({v, "", "", "version " + v.text()});
        }
        return h;
    }
    case SourceTool::sql_migrate: {
        SourceHistory h;
        for (const auto& row : rows) {
            const std::string& id = text_of(row, 0, "an id");
            h.applied.push_back({std::nullopt, id, row.size() > 1 && row[1] ? iso8601_of(*row[1]) : "",
                                 util::printable(id)});
        }
        return h;
    }
    }
    return {};
}

AdoptPlan plan_adopt(const SourceHistory& source, const std::vector<Migration>& migrations,
                     const std::vector<AppliedRow>& existing) {
    AdoptPlan plan;
    std::map<Version, std::string> wanted;  // version: applied_at
    if (source.through) {
        for (const auto& m : migrations) {
            if (!m.version.is_repeatable() && !(*source.through < m.version)) {
                wanted.emplace(m.version, "");
            }
        }
    }
    for (const auto& e : source.applied) {
        const Migration* found = nullptr;
        if (e.version) {
            found = find_migration(migrations, *e.version);
        } else {
            const auto it = std::find_if(migrations.begin(), migrations.end(),
                                         [&](const Migration& m) { return m.up_file == e.file; });
            found = it == migrations.end() ? nullptr : &*it;
        }
        if (!found) {
            plan.missing.push_back(e.label);
            continue;
        }
        wanted[found->version] = e.applied_at;
    }
    std::set<Version> recorded;
    for (const auto& row : existing) {
        recorded.insert(row.version);
        if (!wanted.count(row.version)) {
            plan.disagreements.push_back("version " + row.version.canonical() + " is recorded by sqlmig but not by the source");
        }
    }
    if (!existing.empty()) {
        for (const auto& [v, at] : wanted) {
            if (!recorded.count(v)) {
                plan.disagreements.push_back("version " + v.canonical() + " is recorded by the source but not by sqlmig");
            }
        }
        plan.already_adopted = plan.disagreements.empty();
        return plan;
    }
    for (const auto& [v, at] : wanted) {
        plan.record.push_back({find_migration(migrations, v), at});
    }
    return plan;
}

std::string iso8601_of(std::string_view text) {
    if (text.size() < 19) {
        return "";
    }
    const std::string_view date = text.substr(0, 10);
    const std::string_view time = text.substr(11, 8);
    const auto digits_at = [](std::string_view s, std::initializer_list<std::size_t> at) {
        return std::all_of(at.begin(), at.end(), [&](std::size_t i) { return s[i] >= '0' && s[i] <= '9'; });
    };
    if (!digits_at(date, {0, 1, 2, 3, 5, 6, 8, 9}) || date[4] != '-' || date[7] != '-' ||
        (text[10] != ' ' && text[10] != 'T') || !digits_at(time, {0, 1, 3, 4, 6, 7}) || time[2] != ':' ||
        time[5] != ':') {
        return "";
    }
    return std::string(date) + "T" + std::string(time) + "Z";
}

}  // namespace sqlmig::core
