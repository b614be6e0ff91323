#include "engine/search_path.hpp"

#include <algorithm>
#include <cctype>

#include "core/tracking_sql.hpp"

namespace sqlmig::engine {

std::vector<std::string> search_path_schemas(db::Driver& driver) {
    if (driver.dialect() != core::Dialect::postgres) {
        return {};
    }
    // current_schemas(false): the path's schemas that exist, "$user" resolved, pg_catalog left out.
    const auto rows = driver.query_rows("SELECT quote_ident(s) FROM unnest(current_schemas(false)) WITH ORDINALITY "
                                        "AS t (s, n) ORDER BY n");
    std::vector<std::string> schemas;
    for (const auto& row : rows.value_or(core::TextRows{})) {
        if (!row.empty() && row[0]) {
            schemas.push_back(*row[0]);
        }
    }
    return schemas;
}

std::vector<std::string> schemas_lacking(db::Driver& scratch, const std::vector<std::string>& wanted) {
    if (wanted.empty()) {
        return {};
    }
    const auto present = search_path_schemas(scratch);
    std::vector<std::string> lacking;
    for (const auto& schema : wanted) {
        if (std::find(present.begin(), present.end(), schema) == present.end()) {
            lacking.push_back(schema);
        }
    }
    return lacking;
}

namespace {

// The first schema a search_path setting names ('"$user", app' gives app; a quoted name keeps its
// case, an unquoted one is folded to lower case, as PostgreSQL reads it); "" when none.
std::string first_named_schema(const std::string& setting) {
    std::size_t i = 0;
    while (i < setting.size()) {
        while (i < setting.size() && (setting[i] == ' ' || setting[i] == ',')) {
            ++i;
        }
        std::string name;
        bool quoted = false;
        if (i < setting.size() && setting[i] == '"') {
            quoted = true;
            for (++i; i < setting.size(); ++i) {
                if (setting[i] == '"' && i + 1 < setting.size() && setting[i + 1] == '"') {
                    name += '"';
                    ++i;
                } else if (setting[i] == '"') {
                    ++i;
                    break;
                } else {
                    name += setting[i];
                }
            }
        } else {
            for (; i < setting.size() && setting[i] != ',' && setting[i] != ' '; ++i) {
                name += static_cast<char>(std::tolower(static_cast<unsigned char>(setting[i])));
            }
        }
        while (i < setting.size() && setting[i] != ',') {
            ++i;
        }
        if (!name.empty() && !(name == "$user" && !quoted)) {
            return name;
        }
    }
    return "";
}

}  // namespace

std::vector<std::string> make_first_search_path_schema(db::Driver& scratch) {
    if (scratch.dialect() != core::Dialect::postgres) {
        return {};
    }
    const auto rows = scratch.query_rows("SELECT current_schemas(false) = '{}'::name[], current_setting('search_path')");
    if (!rows || rows->empty() || rows->front().size() < 2 || rows->front()[0].value_or("f") != "t") {
        return {};
    }
    const std::string name = first_named_schema(rows->front()[1].value_or(""));
    if (name.empty()) {
        return {};
    }
    const auto quoted = scratch.query_rows("SELECT quote_ident(" + core::sql_literal(name, core::Dialect::postgres) + ")");
    const std::string schema = quoted && !quoted->empty() && !quoted->front().empty() && quoted->front()[0]
                                   ? *quoted->front()[0]
                                   : name;
    create_schemas(scratch, {schema});
    return {schema};
}

void create_schemas(db::Driver& scratch, const std::vector<std::string>& schemas) {
    for (const auto& schema : schemas) {
        scratch.execute_internal("CREATE SCHEMA " + schema);  // quoted by quote_ident
    }
    if (!schemas.empty()) {
        scratch.flush();
    }
}

std::string schema_list(const std::vector<std::string>& schemas) {
    std::string list;
    for (const auto& schema : schemas) {
        list += (list.empty() ? "" : ", ") + schema;
    }
    return list;
}

}  // namespace sqlmig::engine
