// The Driver contract, checked the same way against every driver.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>

#include "core/schema_diff.hpp"
#include "db/backend.hpp"
#include "db/driver.hpp"
#include "support/scratch_database.hpp"

using namespace sqlmig;
namespace fs = std::filesystem;

namespace {

core::Statement statement(const std::string& text, std::uint32_t line = 1) {
    core::Statement s;
    s.text = text;
    s.start = {line, 1};
    return s;
}

core::AppliedRow row(const std::string& version) {
    core::AppliedRow r;
    r.version = *core::Version::parse(version);
    r.name = "n" + version;
    r.checksum = "sha256:abc";
    r.applied_at = "2026-01-01T00:00:00Z";
    return r;
}

// An empty folder named after the running test, for its SQLite file.
fs::path fresh_scratch_folder() {
    const fs::path dir = fs::temp_directory_path() / ("sqlmig_test_" + std::to_string(::getpid()) + "_" +
                                                      ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir);
    fs::create_directories(dir);
    return dir;
}

// Every registered backend, by name (SQLMIG_DATABASES in CMakeLists.txt).
std::vector<std::string> backend_names() {
    std::vector<std::string> names;
    for (const auto* b : db::backends()) {
        names.emplace_back(b->name());
    }
    return names;
}

class DriverConformance : public ::testing::TestWithParam<std::string> {
protected:
    void SetUp() override {
        m_dir = fresh_scratch_folder();
        m_db = test::make_scratch_database(GetParam(), m_dir);
    }
    void TearDown() override { fs::remove_all(m_dir); }

    db::ConnectOptions options() {
        db::ConnectOptions o;
        o.url = db::parse_database_url(m_db->url(), "/");
        o.table = core::parse_table_name("sqlmig_migrations");
        return o;
    }
    std::unique_ptr<db::Driver> connect() { return db::make_driver(options()); }

    fs::path m_dir;
    std::unique_ptr<test::ScratchDatabase> m_db;
};

}  // namespace

TEST_P(DriverConformance, ReadsNoRowsBeforeTheTableExists) {
    auto d = connect();
    EXPECT_TRUE(d->read_applied().empty());
    EXPECT_TRUE(d->ensure_tracking_table()) << "created";
    EXPECT_FALSE(d->ensure_tracking_table()) << "idempotent: it was there";
    EXPECT_TRUE(d->read_applied().empty());
}

TEST_P(DriverConformance, ReadsTheRowsAndAnotherQueryTogether) {
    auto d = connect();
    const auto table = core::parse_table_name("sqlmig_migrations");
    std::optional<core::TextRows> also;
    EXPECT_TRUE(d->read_applied_and("SELECT 1", also).empty()) << "no tracking table yet";
    EXPECT_FALSE(also);
    d->ensure_tracking_table();
    d->execute_internal(core::upsert_row_sql(table, row("1"), d->dialect()));
    d->execute_internal(core::upsert_row_sql(table, row("2"), d->dialect()));
    const auto rows = d->read_applied_and("SELECT version FROM sqlmig_migrations ORDER BY version", also);
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(rows[1].version.text(), "2");
    ASSERT_TRUE(also);
    ASSERT_EQ(also->size(), 2u);
    EXPECT_EQ((*also)[0][0], std::optional<std::string>("1"));
    also.reset();
    EXPECT_EQ(d->read_applied_and("SELECT x FROM no_such_table", also).size(), 2u);
    EXPECT_FALSE(also) << "a missing table in the other query is nullopt, as in query_rows";
    EXPECT_THROW(d->read_applied_and("SELECT no_such_column FROM sqlmig_migrations", also), DbError);
}

TEST_P(DriverConformance, ATrackingTableCreatedInARolledBackTransactionIsGoneWhereDdlIsTransactional) {
    auto d = connect();
    d->begin();
    EXPECT_TRUE(d->ensure_tracking_table());
    d->rollback();
    const bool commits = db::backend_of(options().url).capabilities().ddl == db::DdlTransactions::implicit_commit;
    EXPECT_EQ(d->ensure_tracking_table(), !commits) << "created again unless the DDL had committed by itself";
}

// `sqlmig impact` reads the live database as the read-only commands connect, then runs the
// backend's read-only statement: nothing can be written after it (a writable SQLite file is
// opened read-write, for its hot journal, so its statement is what refuses).
TEST_P(DriverConformance, AReadOnlySessionCannotWrite) {
    const db::Backend& backend = db::backend_of(options().url);
    connect()->execute_internal("CREATE TABLE kept (a int)");  // a SQLite file exists, as a live database's does
    db::ConnectOptions read_only = options();
    read_only.read_only = true;
    const auto sql = backend.read_only_session_sql();
    auto d = db::make_driver(read_only);
    if (sql) {
        d->execute_internal(*sql);
        d->flush();
    }
    EXPECT_THROW(
        {
            d->execute_internal("CREATE TABLE written (a int)");
            d->flush();
        },
        DbError);
    EXPECT_THROW(
        {
            d->execute_internal("INSERT INTO kept VALUES (1)");
            d->flush();
        },
        DbError);
}

TEST_P(DriverConformance, CommitsStatementsWithTheirTrackingRow) {
    auto d = connect();
    const core::TableName table = core::parse_table_name("sqlmig_migrations");
    d->ensure_tracking_table();
    d->begin();
    d->execute(statement("CREATE TABLE t (a int)"));
    d->execute(statement("INSERT INTO t VALUES (1)"));
    d->flush();
    d->execute_internal(core::upsert_row_sql(table, row("7"), d->dialect()));
    d->commit();
    const auto rows = d->read_applied();
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].version.canonical(), "7");
    EXPECT_EQ(rows[0].checksum, "sha256:abc");
    EXPECT_EQ(rows[0].state, "applied");
}

TEST_P(DriverConformance, RollbackLeavesNothingBehind) {
    auto d = connect();
    d->ensure_tracking_table();
    if (db::backend_of(options().url).capabilities().ddl == db::DdlTransactions::implicit_commit) {
        // DDL would commit the transaction: what rolls back here is data.
        d->execute(statement("CREATE TABLE t (a int)"));
        d->begin();
        d->execute(statement("INSERT INTO t VALUES (1)"));
        d->execute_internal(core::upsert_row_sql(core::parse_table_name("sqlmig_migrations"), row("1"), d->dialect()));
        EXPECT_TRUE(d->in_transaction());
        d->rollback();
        EXPECT_FALSE(d->in_transaction());
        EXPECT_TRUE(d->read_applied().empty());
        d->rollback();  // no transaction open: a no-op
        return;
    }
    d->begin();
    d->execute(statement("CREATE TABLE t (a int)"));
    d->execute_internal(core::upsert_row_sql(core::parse_table_name("sqlmig_migrations"), row("1"), d->dialect()));
    d->rollback();
    EXPECT_FALSE(d->in_transaction());
    EXPECT_TRUE(d->read_applied().empty());
    d->begin();
    d->execute(statement("CREATE TABLE t (a int)"));  // would fail if the first one had stayed
    d->flush();
    d->commit();
    d->rollback();  // no transaction open: a no-op
}

// The capability the runner trusts: where DDL commits implicitly, a rollback after
// it cannot take back what came before it.
TEST_P(DriverConformance, CapabilitiesSayWhetherDdlCommitsTheTransaction) {
    auto d = connect();
    const auto table = core::parse_table_name("sqlmig_migrations");
    d->ensure_tracking_table();
    d->begin();
    d->execute_internal(core::upsert_row_sql(table, row("1"), d->dialect()));
    d->execute(statement("CREATE TABLE t (a int)"));
    d->flush();
    d->rollback();
    const bool commits = db::backend_of(options().url).capabilities().ddl == db::DdlTransactions::implicit_commit;
    EXPECT_EQ(d->read_applied().size(), commits ? 1u : 0u);
}

TEST_P(DriverConformance, ReportsTheFailingStatementWithAPosition) {
    auto d = connect();
    d->begin();
    d->execute(statement("CREATE TABLE t (a int)", 1));
    try {
        d->execute(statement("SELECT nosuchcolumn FROM t", 5));
        d->flush();
        FAIL() << "expected a StatementError";
    } catch (const db::StatementError& e) {
        EXPECT_EQ(e.statement.start.line, 5u);
        EXPECT_NE(std::string(e.what()).find("nosuchcolumn"), std::string::npos) << e.what();
        EXPECT_EQ(e.position, 8) << "position of 'nosuchcolumn' in the statement";
    }
    d->rollback();
}

TEST_P(DriverConformance, UpsertReplacesAFailedMarkAndDeleteRemoves) {
    auto d = connect();
    const auto table = core::parse_table_name("sqlmig_migrations");
    d->ensure_tracking_table();
    auto failed = row("3");
    failed.state = "failed";
    failed.failure = "f.sql:1:1: boom";
    d->execute_internal(core::upsert_row_sql(table, failed, d->dialect()));
    EXPECT_EQ(d->read_applied().at(0).failure, "f.sql:1:1: boom");
    d->execute_internal(core::upsert_row_sql(table, row("3"), d->dialect()));
    auto rows = d->read_applied();
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].state, "applied");
    EXPECT_EQ(rows[0].failure, "");
    d->execute_internal(core::delete_row_sql(table, *core::Version::parse("003"), d->dialect()));
    EXPECT_TRUE(d->read_applied().empty());
}

TEST_P(DriverConformance, LockIsExclusiveAcrossConnections) {
    auto first = connect();
    auto second = connect();
    first->acquire_lock(std::chrono::milliseconds(1000));
    EXPECT_THROW(second->acquire_lock(std::chrono::milliseconds(200)), LockError);
    first->release_lock();
    EXPECT_NO_THROW(second->acquire_lock(std::chrono::milliseconds(1000)));
    second->release_lock();
}

TEST_P(DriverConformance, AfterABatchOtherConnectionsReadAndWrite) {
    const auto table = core::parse_table_name("sqlmig_migrations");
    auto first = connect();
    first->acquire_lock(std::chrono::milliseconds(1000));
    first->ensure_tracking_table();
    first->begin_batch();
    for (const std::string v : {"1", "2"}) {
        first->begin();
        first->execute(statement("CREATE TABLE t" + v + " (a int)"));
        first->execute_internal(core::upsert_row_sql(table, row(v), first->dialect()));
        first->commit();
    }
    first->end_batch();
    auto second = connect();
    EXPECT_EQ(second->read_applied().size(), 2u);
    second->begin();
    second->execute(statement("CREATE TABLE t3 (a int)"));
    second->flush();
    second->commit();
    first->release_lock();
}

TEST_P(DriverConformance, ReadOnlyConnectionCreatesNothing) {
    auto o = options();
    o.read_only = true;
    auto d = db::make_driver(o);
    EXPECT_TRUE(d->read_applied().empty());
    // A file database is not even created; a server database gets no tracking table.
    EXPECT_TRUE(!m_db->exists() || !m_db->has_table("sqlmig_migrations"));
}

TEST_P(DriverConformance, SchemaSnapshotIsStableSeesChangesAndLeavesOutTheTrackingTable) {
    auto d = connect();
    const auto empty = d->schema_snapshot();
    d->ensure_tracking_table();
    EXPECT_EQ(d->schema_snapshot(), empty) << "the tracking table is left out";
    d->begin();
    d->execute(statement("CREATE TABLE t (a int NOT NULL, b text)"));
    d->execute(statement("CREATE INDEX t_a ON t (a)"));
    d->flush();
    d->commit();
    const auto with_t = d->schema_snapshot();
    EXPECT_NE(with_t, empty);
    EXPECT_EQ(d->schema_snapshot(), with_t) << "two snapshots of one schema are the same";
    EXPECT_TRUE(std::is_sorted(with_t.begin(), with_t.end()));
    d->begin();
    d->execute(statement(m_db->drop_index_sql("t_a", "t")));
    d->flush();
    d->commit();
    const auto without_index = d->schema_snapshot();
    EXPECT_NE(without_index, with_t);
    EXPECT_EQ(without_index.size() + 1, with_t.size()) << "one line per index";
}

// A scratch database's commits do not wait for the disk where the session can say so; a
// configured database's keep the server's setting.
TEST_P(DriverConformance, AThrowawayDatabaseDoesNotSyncItsCommits) {
    const std::map<std::string, std::pair<std::string, std::string>> setting = {
        {"postgres", {"SHOW synchronous_commit", "off"}},
        {"sqlite", {"PRAGMA synchronous", "0"}},
    };
    const auto it = setting.find(GetParam());
    if (it == setting.end()) {
        GTEST_SKIP() << GetParam() << ": innodb_flush_log_at_trx_commit is the server's, not a session's";
    }
    const auto& [query, off] = it->second;
    auto o = options();
    o.durability = db::Durability::throwaway;
    const auto rows = db::make_driver(o)->query_rows(query);
    ASSERT_TRUE(rows && rows->size() == 1 && rows->front().front());
    EXPECT_EQ(*rows->front().front(), off);
    const auto durable = connect()->query_rows(query);
    ASSERT_TRUE(durable && durable->size() == 1 && durable->front().front());
    EXPECT_NE(*durable->front().front(), off);
}

// verify compares a fingerprint the database computes with one computed here from the lines
// (core::lines_fingerprint): the two must agree, and tell schemas apart as the lines do.
TEST_P(DriverConformance, SchemaFingerprintIsTheDigestOfTheSnapshotsLines) {
    auto d = connect();
    d->ensure_tracking_table();
    const std::string empty = d->schema_fingerprint();
    EXPECT_EQ(empty, core::lines_fingerprint(d->schema_snapshot()));
    d->begin();
    // A backslash, a carriage return and a non-ASCII letter in the text the snapshot keeps.
    d->execute(statement("CREATE TABLE t (a int NOT NULL, b text DEFAULT 'x\\y\r\nz\u00e9')"));
    d->execute(statement("CREATE INDEX t_a ON t (a)"));
    d->flush();
    d->commit();
    const std::string with_t = d->schema_fingerprint();
    EXPECT_NE(with_t, empty);
    EXPECT_EQ(with_t, core::lines_fingerprint(d->schema_snapshot()));
    EXPECT_EQ(d->schema_fingerprint(), with_t) << "two fingerprints of one schema are the same";
    d->begin();
    d->execute(statement(m_db->drop_index_sql("t_a", "t")));
    d->flush();
    d->commit();
    EXPECT_NE(d->schema_fingerprint(), with_t);
    EXPECT_EQ(d->schema_fingerprint(), core::lines_fingerprint(d->schema_snapshot()));
}

INSTANTIATE_TEST_SUITE_P(Drivers, DriverConformance, ::testing::ValuesIn(backend_names()),
                         [](const auto& param_info) { return param_info.param; });

namespace {

// What the SQLite driver does with a batch: it keeps the database from the
// first commit to the end (docs/performance.md, "Commits (SQLite)").
class SqliteBatch : public ::testing::Test {
protected:
    void SetUp() override {
        m_dir = fresh_scratch_folder();
    }
    void TearDown() override { fs::remove_all(m_dir); }

    std::unique_ptr<db::Driver> connect(std::chrono::milliseconds busy_timeout = std::chrono::milliseconds(5000)) {
        db::ConnectOptions o;
        o.url = db::parse_database_url("sqlite:///" + db_path().string(), "/");
        o.table = core::parse_table_name("sqlmig_migrations");
        o.busy_timeout = busy_timeout;
        return db::make_driver(o);
    }
    fs::path db_path() const { return m_dir / "test.db"; }

    static void commit_one(db::Driver& d, const std::string& table) {
        d.begin();
        d.execute(statement("CREATE TABLE " + table + " (a int)"));
        d.flush();
        d.commit();
    }

    fs::path m_dir;
};

}  // namespace

TEST_F(SqliteBatch, OtherConnectionsWaitUntilTheBatchEnds) {
    auto first = connect();
    first->begin_batch();
    commit_one(*first, "a");
    commit_one(*first, "b");
    auto second = connect(std::chrono::milliseconds(100));
    EXPECT_THROW(second->read_applied(), DbError) << "held between two migrations of the batch";
    first->end_batch();
    EXPECT_NO_THROW(second->read_applied());
    commit_one(*second, "c");
    EXPECT_FALSE(fs::exists(db_path().string() + "-journal")) << "the journal goes with the lock";
}

// SQLite keeps a connection that entered WAL while exclusive exclusive until it
// closes; the driver opens a new one so that the hooks can read the database.
TEST_F(SqliteBatch, AMigrationSwitchingToWalDoesNotKeepTheDatabaseHeld) {
    auto first = connect();
    first->begin_batch();
    commit_one(*first, "a");
    first->execute(statement("PRAGMA journal_mode = WAL"));
    commit_one(*first, "b");
    first->end_batch();
    auto second = connect(std::chrono::milliseconds(100));
    second->begin();
    second->execute(statement("INSERT INTO b VALUES (1)"));
    second->flush();
    second->commit();
    EXPECT_TRUE(fs::exists(db_path().string() + "-wal")) << "the database stays in the WAL mode the migration chose";
    commit_one(*first, "c");  // the first driver still works after reopening
}
