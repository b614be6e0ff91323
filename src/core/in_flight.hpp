#pragma once
// The statement that was running when a run died, in a migration that is not one transaction:
// the statement journal (docs/migrations.md, "After a crash") says every statement before it
// committed, and nothing says whether it did. What the database can tell of it decides whether
// `up` resumes alone: its own words (IF NOT EXISTS, CREATE OR REPLACE), an index's validity, or
// the catalog showing its effect. A statement whose effect cannot be read back (an UPDATE) is
// left to a person.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/dialect.hpp"

namespace sqlmig::core {

// What a catalog probe looks for. A relation is a table, view, materialized view or sequence.
enum class CatalogKind { relation, column, index, function, type, schema };

struct CatalogObject {
    CatalogKind kind = CatalogKind::relation;
    std::optional<std::string> schema;  // as the database stores it; nullopt: the search path
    std::string name;                   // as the database stores it (PostgreSQL folds unquoted names)
    std::string table;                  // a column's table; an index's table on MySQL (else "")
    std::string describe() const;       // "column orders.email", for messages
};

enum class InFlightCheck {
    run_again,  // idempotent by its own words, or it leaves nothing that running it twice doubles
    index,      // CREATE INDEX: done when a valid index of its name exists; an invalid one is dropped first
    catalog,    // done when `appears` all exist and `disappears` all do not; not run when the reverse
    unknown,    // its effect cannot be read back: a person checks
};

struct InFlight {
    InFlightCheck check = InFlightCheck::unknown;
    std::vector<CatalogObject> appears;     // what the statement creates (the index, for `index`)
    std::vector<CatalogObject> disappears;  // what it drops or renames away
    bool concurrently = false;              // CREATE INDEX CONCURRENTLY: its leftover is dropped so too
};

InFlight in_flight(std::string_view statement, Dialect dialect);

// A query with one row when the object exists; nullopt when this database has no such object
// (SQLite's functions, types and schemas). For a PostgreSQL index the row is its schema and
// whether it is valid ("t"/"f"); elsewhere an index is always valid ("t" in the second column).
std::optional<std::string> object_exists_sql(const CatalogObject& object, Dialect dialect);

// Drops an invalid index that an interrupted CREATE INDEX left (PostgreSQL).
std::string drop_invalid_index_sql(const std::string& schema, const std::string& name, bool concurrently,
                                   Dialect dialect);

}  // namespace sqlmig::core
