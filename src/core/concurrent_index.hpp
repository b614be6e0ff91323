#pragma once
// PostgreSQL's CREATE INDEX CONCURRENTLY, as far as retrying it goes: when it fails after it
// created its index (waiting for older transactions, on a lock timeout or a cancel), the index
// stays behind INVALID, and running the statement again would fail on its name. The runner
// drops exactly that index before the next attempt (docs/production.md).

#include <optional>
#include <string>
#include <string_view>

#include "core/dialect.hpp"

namespace sqlmig::core {

struct ConcurrentIndex {
    // The index's name as the server stores it (unquoted names folded to lower case);
    // nullopt when the statement lets the server choose one.
    std::optional<std::string> name;
    // The table as written (schema and quotes kept), for to_regclass().
    std::string table;
};

// The index and table of `CREATE [UNIQUE] INDEX CONCURRENTLY [IF NOT EXISTS] [name] ON [ONLY]
// table ...`; nullopt for any other statement, or one whose names it cannot read.
std::optional<ConcurrentIndex> concurrent_index(std::string_view statement);

// The indexes of the table: oid, schema, name, and whether it is valid ("t"/"f"), one row each.
std::string table_indexes_sql(const ConcurrentIndex& index, Dialect dialect);
// Whether the index with this oid is still there and invalid: one row "t" when it is.
std::string index_invalid_sql(const std::string& oid, Dialect dialect);
// DROP INDEX CONCURRENTLY IF EXISTS "schema"."name".
std::string drop_index_concurrently_sql(const std::string& schema, const std::string& name);

}  // namespace sqlmig::core
