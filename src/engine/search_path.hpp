#pragma once
// A PostgreSQL search path naming a schema made by hand (docs/drift.md, docs/squash.md): a scratch
// database gets the URL's search path, but only the schemas the migrations make, so without that
// schema a migration's unqualified names land in the next one (public). The replay runs once; the
// search path's schemas that the live database has and the replay did not make are then made on a
// new scratch database before the replay runs again. A schema a migration makes is never made
// beforehand: that migration would then fail with "already exists".

#include <string>
#include <vector>

#include "db/driver.hpp"

namespace sqlmig::engine {

// The schemas of the connection's search path that exist, as quote_ident writes them, in the path's
// order; empty where there is no search path (SQLite, MariaDB/MySQL). Throws DbError.
std::vector<std::string> search_path_schemas(db::Driver& driver);

// Those of `wanted` (search_path_schemas of the live database) that `scratch` lacks after a replay.
std::vector<std::string> schemas_lacking(db::Driver& scratch, const std::vector<std::string>& wanted);

// On a new scratch database that has no schema of its search path at all (the URL's, as the live
// database's): makes the path's first schema and returns it, as quote_ident writes it. up made the
// live tracking table in the first schema of the path that existed, before the first migration
// ran, so that schema was made by hand; without it the tracking table could go nowhere. Nothing
// where a schema of the path exists (public, by default). Throws DbError.
std::vector<std::string> make_first_search_path_schema(db::Driver& scratch);

// Makes them on a scratch database, before anything else runs there.
void create_schemas(db::Driver& scratch, const std::vector<std::string>& schemas);

// "app, public": a list of them for messages.
std::string schema_list(const std::vector<std::string>& schemas);

}  // namespace sqlmig::engine
