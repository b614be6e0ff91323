#include "engine/search_path.hpp"
#include "db/postgres/dialect.hpp"

#include <algorithm>

namespace sqlmig::engine {

std::vector<std::string> search_path_schemas(db::Driver& driver) {
    if (driver.dialect() != db::postgres_dialect) {
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

std::vector<std::string> make_first_search_path_schema(db::Driver& scratch) {
    if (scratch.dialect() != db::postgres_dialect) {
        return {};
    }
    // The setting's first name other than "$user", read by PostgreSQL's own parse_ident (quotes kept,
    // other names folded to lower case), when no schema of the path exists.
    const auto rows = scratch.query_rows(
        "SELECT quote_ident((parse_ident(s))[1]) FROM regexp_split_to_table(current_setting('search_path'), "
        "'[[:space:]]*,[[:space:]]*') WITH ORDINALITY AS t (s, n) WHERE current_schemas(false) = '{}'::name[] AND "
        "s NOT IN ('', '$user', '\"$user\"') ORDER BY n LIMIT 1");
    if (!rows || rows->empty() || rows->front().empty() || !rows->front()[0]) {
        return {};
    }
    const std::string schema = *rows->front()[0];
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
