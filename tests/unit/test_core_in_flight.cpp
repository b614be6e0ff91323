// What sqlmig can tell of a statement that was running when a run died (core/in_flight.hpp).

#include <gtest/gtest.h>

#include "core/in_flight.hpp"
#include "db/mariadb/dialect.hpp"
#include "db/postgres/dialect.hpp"
#include "db/sqlite/dialect.hpp"

using sqlmig::db::mariadb_dialect;
using sqlmig::db::postgres_dialect;
using sqlmig::db::sqlite_dialect;

namespace sqlmig::core {
namespace {

struct Case {
    const char* sql;
    Dialect dialect;
    InFlightCheck check;
    std::vector<std::string> appears;     // CatalogObject::describe()
    std::vector<std::string> disappears;
};

std::vector<std::string> described(const std::vector<CatalogObject>& objects) {
    std::vector<std::string> out;
    for (const auto& o : objects) {
        out.push_back(o.describe());
    }
    return out;
}

constexpr auto pg = postgres_dialect;
constexpr auto lite = sqlite_dialect;
constexpr auto my = mariadb_dialect;
constexpr auto again = InFlightCheck::run_again;
constexpr auto catalog = InFlightCheck::catalog;
constexpr auto index = InFlightCheck::index;
constexpr auto unknown = InFlightCheck::unknown;

const Case k_cases[] = {
    // Idempotent by their own words or by nature.
    {"CREATE TABLE IF NOT EXISTS t (id int)", pg, again, {}, {}},
    {"DROP TABLE IF EXISTS t", my, again, {}, {}},
    {"CREATE OR REPLACE VIEW v AS SELECT 1", pg, again, {}, {}},
    {"ALTER TABLE t ADD COLUMN IF NOT EXISTS a int, DROP COLUMN IF EXISTS b", pg, again, {}, {}},
    {"SET lock_timeout = '1s'", pg, again, {}, {}},
    {"VACUUM ANALYZE t", pg, again, {}, {}},
    {"PRAGMA journal_mode = WAL", lite, again, {}, {}},
    {"GRANT SELECT ON t TO app", pg, again, {}, {}},
    // Indexes: by validity.
    {"CREATE INDEX CONCURRENTLY idx_a ON s.t (a)", pg, index, {"index s.idx_a"}, {}},
    {"CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS \"Idx\" ON t (a)", pg, index, {"index Idx"}, {}},
    {"CREATE INDEX idx_a ON t (a)", my, index, {"index t.idx_a"}, {}},
    {"CREATE INDEX CONCURRENTLY ON t (a)", pg, unknown, {}, {}},
    // The catalog shows their effect.
    {"CREATE TABLE Orders (id int)", pg, catalog, {"relation orders"}, {}},
    {"CREATE TABLE Orders (id int)", my, catalog, {"relation Orders"}, {}},
    {"CREATE MATERIALIZED VIEW s.mv AS SELECT 1", pg, catalog, {"relation s.mv"}, {}},
    {"CREATE FUNCTION f(a int) RETURNS int AS $$ SELECT a $$ LANGUAGE sql", pg, catalog, {"function f"}, {}},
    {"CREATE TYPE mood AS ENUM ('a')", pg, catalog, {"type mood"}, {}},
    {"DROP TABLE a, s.b CASCADE", pg, catalog, {}, {"relation a", "relation s.b"}},
    {"DROP INDEX CONCURRENTLY idx_a", pg, catalog, {}, {"index idx_a"}},
    {"DROP INDEX idx_a ON t", my, catalog, {}, {"index t.idx_a"}},
    {"ALTER TABLE t ADD COLUMN email text NOT NULL DEFAULT ''", pg, catalog, {"column t.email"}, {}},
    {"ALTER TABLE `t` ADD `e` int, DROP COLUMN f", my, catalog, {"column t.e"}, {"column t.f"}},
    {"ALTER TABLE big ADD COLUMN c2 int, ALGORITHM=COPY", my, catalog, {"column big.c2"}, {}},
    {"ALTER TABLE big ADD COLUMN c3 int, ALGORITHM = INPLACE, LOCK = NONE", my, catalog, {"column big.c3"}, {}},
    {"ALTER TABLE t RENAME TO u", pg, catalog, {"relation u"}, {"relation t"}},
    {"ALTER TABLE t RENAME COLUMN a TO b", lite, catalog, {"column t.b"}, {"column t.a"}},
    {"RENAME TABLE a TO b, c TO d", my, catalog, {"relation b", "relation d"}, {"relation a", "relation c"}},
    // Their effect cannot be read back.
    {"UPDATE t SET a = 1", pg, unknown, {}, {}},
    {"INSERT INTO t VALUES (1)", my, unknown, {}, {}},
    {"ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0)", pg, unknown, {}, {}},
    {"ALTER TABLE t ALTER COLUMN a TYPE bigint", pg, unknown, {}, {}},
    {"ALTER TABLE t ALGORITHM=COPY", my, unknown, {}, {}},  // a rebuild, nothing the catalog shows
    {"ALTER TABLE IF EXISTS t ADD COLUMN a int", pg, unknown, {}, {}},
    {"ALTER TABLE t ADD COLUMN IF NOT EXISTS a int, ADD COLUMN b int", pg, unknown, {}, {}},
    {"CREATE TRIGGER tr AFTER INSERT ON t FOR EACH ROW EXECUTE FUNCTION f()", pg, unknown, {}, {}},
    {"CREATE DATABASE reports", pg, unknown, {}, {}},
    {"CREATE DATABASE reports", my, catalog, {"schema reports"}, {}},
};

TEST(InFlight, EachKindOfStatementIsResolvedByWhatTheDatabaseCanTell) {
    for (const auto& c : k_cases) {
        SCOPED_TRACE(c.sql);
        const InFlight got = in_flight(c.sql, c.dialect);
        EXPECT_EQ(got.check, c.check);
        EXPECT_EQ(described(got.appears), c.appears);
        EXPECT_EQ(described(got.disappears), c.disappears);
    }
}

TEST(InFlight, ConcurrentIndexIsDroppedConcurrently) {
    EXPECT_TRUE(in_flight("CREATE INDEX CONCURRENTLY i ON t (a)", pg).concurrently);
    EXPECT_FALSE(in_flight("CREATE INDEX i ON t (a)", pg).concurrently);
    EXPECT_EQ(drop_invalid_index_sql("public", "i", true, pg), "DROP INDEX CONCURRENTLY IF EXISTS \"public\".\"i\"");
}

TEST(InFlight, ProbesQuoteNamesAndSqliteHasNoTypes) {
    const CatalogObject column{CatalogKind::column, std::string("s"), "it's", "t"};
    EXPECT_NE(object_exists_sql(column, pg)->find("'it''s'"), std::string::npos);
    EXPECT_NE(object_exists_sql(column, pg)->find("to_regclass('\"s\".\"t\"')"), std::string::npos);
    EXPECT_FALSE(object_exists_sql(CatalogObject{CatalogKind::type, std::nullopt, "mood", ""}, lite));
    EXPECT_NE(object_exists_sql(CatalogObject{CatalogKind::relation, std::nullopt, "t", ""}, my)->find("DATABASE()"),
              std::string::npos);
}

}  // namespace
}  // namespace sqlmig::core
