#include <gtest/gtest.h>

#include <algorithm>

#include "core/drift.hpp"
#include "core/schema_diff.hpp"
#include "util/error.hpp"
#include "db/mariadb/dialect.hpp"
#include "db/postgres/dialect.hpp"
#include "db/sqlite/dialect.hpp"

using sqlmig::db::mariadb_dialect;
using sqlmig::db::postgres_dialect;
using sqlmig::db::sqlite_dialect;

using namespace sqlmig::core;

namespace {

SchemaObject object(ObjectKind kind, const std::string& name, const std::string& table = "") {
    return SchemaObject{kind, name, table};
}

DriftPattern pattern(const std::string& text) { return parse_drift_pattern(text, "config.toml:3:10: [drift] ignore"); }

}  // namespace

TEST(Drift, SnapshotLinesAreNamedObjectsOnEachDatabase) {
    EXPECT_EQ(object_of("column public.users.email text not null", postgres_dialect),
              object(ObjectKind::column, "public.users.email", "public.users"));
    EXPECT_EQ(object_of("relation public.v v", postgres_dialect), object(ObjectKind::view, "public.v"));
    EXPECT_EQ(object_of("relation public.s S", postgres_dialect), object(ObjectKind::sequence, "public.s"));
    EXPECT_EQ(object_of("index public.i CREATE INDEX i ON ONLY public.t USING btree (a)", postgres_dialect),
              object(ObjectKind::index, "public.i", "public.t"));
    EXPECT_EQ(object_of("function public.f(a integer, b text) 0123abcd", postgres_dialect),
              object(ObjectKind::function, "public.f(a integer, b text)"));
    EXPECT_EQ(object_of("column users email TEXT 1  0", sqlite_dialect),
              object(ObjectKind::column, "users.email", "users"));
    EXPECT_EQ(object_of("index i on users: CREATE INDEX i ON users (a)", sqlite_dialect),
              object(ObjectKind::index, "i", "users"));
    EXPECT_EQ(object_of("table v VIEW", mariadb_dialect), object(ObjectKind::view, "v"));
    EXPECT_EQ(object_of("foreign key orders.fk (u) references users (id)", mariadb_dialect),
              object(ObjectKind::constraint, "orders.fk", "orders"));
    EXPECT_EQ(object_of("routine PROCEDURE tidy 0123", mariadb_dialect), object(ObjectKind::function, "tidy"));
    EXPECT_EQ(object_of("check users.age_ok `age` >= 0", mariadb_dialect),
              object(ObjectKind::constraint, "users.age_ok", "users"));
}

TEST(Drift, PatternsMatchNamesOrOneKindAndSchemaAndTableReachTheirObjects) {
    EXPECT_TRUE(matches(pattern("public.tmp_*"), object(ObjectKind::table, "public.tmp_x")));
    EXPECT_TRUE(matches(pattern("public.tmp_*"), object(ObjectKind::column, "public.tmp_x.a", "public.tmp_x")));
    EXPECT_FALSE(matches(pattern("index:public.tmp_*"), object(ObjectKind::table, "public.tmp_x")));
    EXPECT_TRUE(matches(pattern("extension:*"), object(ObjectKind::extension, "hstore")));
    EXPECT_TRUE(matches(pattern("schema:audit"), object(ObjectKind::schema, "audit")));
    EXPECT_TRUE(matches(pattern("schema:audit"), object(ObjectKind::index, "audit.log_at", "audit.log")));
    EXPECT_FALSE(matches(pattern("schema:audit"), object(ObjectKind::table, "public.audit")));
    EXPECT_TRUE(matches(pattern("table:users"), object(ObjectKind::trigger, "users.touch", "users")));
    EXPECT_FALSE(matches(pattern("table:users"), object(ObjectKind::table, "users2")));
}

TEST(Drift, AnUnknownKindOrAnEmptyPatternIsAnErrorNamingWhere) {
    try {
        pattern("tabel:users");
        FAIL() << "accepted";
    } catch (const sqlmig::ConfigError& e) {
        EXPECT_STREQ(e.what(), "config.toml:3:10: [drift] ignore: unknown object kind 'tabel' in pattern "
                               "'tabel:users'; expected one of schema, extension, table, view, sequence, column, "
                               "constraint, index, function, trigger, type, policy, comment, event");
    }
    EXPECT_THROW(pattern("table:"), sqlmig::ConfigError);
    EXPECT_THROW(pattern("  "), sqlmig::ConfigError);
}

TEST(Drift, ABracketNoBracketClosesIsAnErrorAndAClosedOrEscapedOneIsAPattern) {
    try {
        pattern("table:log_[ab");
        FAIL() << "accepted";
    } catch (const sqlmig::ConfigError& e) {
        EXPECT_STREQ(e.what(), "config.toml:3:10: [drift] ignore: pattern 'table:log_[ab' has a '[' at character 5 "
                               "of 'log_[ab' that no ']' closes; close the set, or write \\[ for the character [");
    }
    EXPECT_THROW(pattern("a[]b"), sqlmig::ConfigError);  // "[]b" opens a set whose first member is ']'
    EXPECT_TRUE(matches(pattern("log_[ab]"), object(ObjectKind::table, "log_b")));
    EXPECT_TRUE(matches(pattern("log_[!ab]"), object(ObjectKind::table, "log_c")));
    EXPECT_TRUE(matches(pattern("log_[]x]"), object(ObjectKind::table, "log_]")));
    EXPECT_TRUE(matches(pattern("log_\\[a"), object(ObjectKind::table, "log_[a")));
}

TEST(Drift, TheIgnoreFileHasOnePatternALineWithComments) {
    const auto patterns = parse_drift_ignore_file("# ours\nextension:*\n\n  public.x  # by hand\n", ".sqlmig-drift-ignore");
    ASSERT_EQ(patterns.size(), 2u);
    EXPECT_EQ(patterns[0].kind, ObjectKind::extension);
    EXPECT_EQ(patterns[1].glob, "public.x");
    try {
        parse_drift_ignore_file("extension:*\nviews:v\n", ".sqlmig-drift-ignore");
        FAIL() << "accepted";
    } catch (const sqlmig::ConfigError& e) {
        EXPECT_EQ(std::string(e.what()).rfind(".sqlmig-drift-ignore:2: unknown object kind 'views'", 0), 0u) << e.what();
    }
}

TEST(Drift, CompareGroupsLinesByObjectAndFoldsAWholeTable) {
    const std::vector<std::string> expected = {"column public.t.a integer", "column public.u.a integer",
                                               "relation public.u r"};
    const std::vector<std::string> live = {"column public.t.a bigint", "column public.n.a integer",
                                           "constraint public.n.n_pkey PRIMARY KEY (a)", "relation public.n r"};
    const DriftReport r = compare_schemas(expected, live, postgres_dialect, {});
    ASSERT_EQ(r.objects.size(), 3u);
    EXPECT_EQ(r.objects[0].object.name, "public.n");
    EXPECT_EQ(r.objects[0].change, ObjectChange::added);
    EXPECT_EQ(r.objects[0].found.size(), 3u) << "its column and constraint are under the table";
    EXPECT_EQ(r.objects[1].object.name, "public.u");
    EXPECT_EQ(r.objects[1].change, ObjectChange::missing);
    EXPECT_EQ(r.objects[2].object.name, "public.t.a");
    EXPECT_EQ(r.objects[2].change, ObjectChange::changed);
    const DriftReport ignored = compare_schemas(expected, live, postgres_dialect, {pattern("table:public.n")});
    EXPECT_EQ(ignored.objects.size(), 2u);
    EXPECT_EQ(ignored.ignored, 1u);
    EXPECT_TRUE(compare_schemas(live, live, postgres_dialect, {}).clean());
}

TEST(SchemaDiff, MinusLinesAreOnlyInMinusAndPlusOnlyInPlus) {
    EXPECT_EQ(schema_diff({"a", "b"}, {"b", "c"}), (std::vector<std::string>{"+ a", "- c"}));
    EXPECT_TRUE(schema_diff({"a"}, {"a"}).empty());
}

// Tenants of a schema-per-tenant fleet compare with a replay made in a schema of another name.
TEST(SchemaDiff, UnqualifiedLinesCompareOneSchemaWithTheSameInAnotherName) {
    const std::vector<std::string> tenant = {
        "column t1.users.id integer not null default nextval('users_id_seq'::regclass)",
        "index t1.users_pkey CREATE UNIQUE INDEX users_pkey ON t1.users USING btree (id)",
        "relation t1.users r",
        "schema t1",
        "trigger t1.users.tr CREATE TRIGGER tr BEFORE INSERT ON t1.users FOR EACH ROW EXECUTE FUNCTION t1.f()",
        "view t1.v SELECT xt1.a, public.t1.b FROM t1.users",
    };
    const std::vector<std::string> replay = {
        "column r.users.id integer not null default nextval('users_id_seq'::regclass)",
        "index r.users_pkey CREATE UNIQUE INDEX users_pkey ON r.users USING btree (id)",
        "relation r.users r",
        "schema r",
        "trigger r.users.tr CREATE TRIGGER tr BEFORE INSERT ON r.users FOR EACH ROW EXECUTE FUNCTION r.f()",
        "view r.v SELECT xt1.a, public.t1.b FROM r.users",
    };
    const auto a = unqualified_lines(tenant, "t1");
    EXPECT_EQ(a, unqualified_lines(replay, "r"));
    EXPECT_EQ(a, (std::vector<std::string>{
                     "column users.id integer not null default nextval('users_id_seq'::regclass)",
                     "index users_pkey CREATE UNIQUE INDEX users_pkey ON users USING btree (id)",
                     "relation users r",
                     "trigger users.tr CREATE TRIGGER tr BEFORE INSERT ON users FOR EACH ROW EXECUTE FUNCTION f()",
                     "view v SELECT xt1.a, public.t1.b FROM users",  // other names ending in t1 stay
                 }));
    EXPECT_TRUE(std::is_sorted(a.begin(), a.end()));
}

// Two lists share a fingerprint only when they have the same lines: where a line ends, a
// carriage return (which a file's checksum ignores before a line feed) and a backslash count.
TEST(SchemaFingerprint, TellsListsApartExactlyAsTheirLines) {
    EXPECT_EQ(lines_fingerprint({"a", "b"}), lines_fingerprint({"a", "b"}));
    EXPECT_EQ(lines_fingerprint({}).rfind("sha256:", 0), 0u);
    EXPECT_NE(lines_fingerprint({"a", "b"}), lines_fingerprint({"b", "a"}));
    EXPECT_NE(lines_fingerprint({"ab"}), lines_fingerprint({"a", "b"}));
    EXPECT_NE(lines_fingerprint({"a\nb"}), lines_fingerprint({"a", "b"}));
    EXPECT_NE(lines_fingerprint({"a\r\nb"}), lines_fingerprint({"a\nb"}));
    EXPECT_NE(lines_fingerprint({"a\\r"}), lines_fingerprint({"a\r"}));
    EXPECT_NE(lines_fingerprint({}), lines_fingerprint({""}));
}
