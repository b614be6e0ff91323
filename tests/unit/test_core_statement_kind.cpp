#include <gtest/gtest.h>

#include "core/statement_kind.hpp"
#include "util/error.hpp"
#include "db/mariadb/dialect.hpp"
#include "db/postgres/dialect.hpp"
#include "db/sqlite/dialect.hpp"

using sqlmig::db::mariadb_dialect;
using sqlmig::db::postgres_dialect;
using sqlmig::db::sqlite_dialect;

using namespace sqlmig::core;

namespace {

Statement stmt(const std::string& sql, Dialect d = postgres_dialect) {
    SqlSplitter s(d);
    s.feed(sql);
    s.finish();
    return *s.next();
}

FileAnalysis analyse(const std::string& sql, Dialect d = postgres_dialect, int server_version = 150000) {
    SqlSplitter s(d);
    s.feed(sql);
    s.finish();
    FileAnalysis a(d, server_version);
    while (auto st = s.next()) {
        a.add(*st);
    }
    return a;
}

}  // namespace

TEST(StatementKind, RecognisesTransactionControl) {
    EXPECT_EQ(classify(stmt("BEGIN"), postgres_dialect), StatementKind::transaction_begin);
    EXPECT_EQ(classify(stmt("begin transaction isolation level serializable"), postgres_dialect),
              StatementKind::transaction_begin);
    EXPECT_EQ(classify(stmt("START TRANSACTION"), postgres_dialect), StatementKind::transaction_begin);
    EXPECT_EQ(classify(stmt("COMMIT"), postgres_dialect), StatementKind::transaction_end);
    EXPECT_EQ(classify(stmt("END"), postgres_dialect), StatementKind::transaction_end);
    EXPECT_EQ(classify(stmt("ROLLBACK"), postgres_dialect), StatementKind::transaction_abort);
    EXPECT_EQ(classify(stmt("ROLLBACK TO SAVEPOINT a"), postgres_dialect), StatementKind::ordinary);
    EXPECT_EQ(classify(stmt("COMMIT PREPARED 'x'"), postgres_dialect), StatementKind::ordinary);
    EXPECT_EQ(classify(stmt("DO $$ BEGIN NULL; END $$"), postgres_dialect), StatementKind::ordinary);
}

TEST(StatementKind, RecognisesStatementsRefusedInATransaction) {
    for (const char* sql : {"CREATE INDEX CONCURRENTLY i ON t (a)", "create unique index concurrently i on t (a)",
                            "DROP INDEX CONCURRENTLY IF EXISTS i", "REINDEX TABLE CONCURRENTLY t", "VACUUM t",
                            "ALTER SYSTEM SET work_mem = '1MB'", "CREATE DATABASE d", "DROP TABLESPACE s"}) {
        EXPECT_EQ(classify(stmt(sql), postgres_dialect, 150000), StatementKind::non_transactional) << sql;
    }
    EXPECT_EQ(classify(stmt("CREATE INDEX i ON t (a)"), postgres_dialect), StatementKind::ordinary);
    // ALTER TYPE ... ADD VALUE runs in a transaction from PostgreSQL 12 on.
    EXPECT_EQ(classify(stmt("ALTER TYPE mood ADD VALUE 'meh'"), postgres_dialect, 110000),
              StatementKind::non_transactional);
    EXPECT_EQ(classify(stmt("ALTER TYPE mood ADD VALUE 'meh'"), postgres_dialect, 150000), StatementKind::ordinary);
    EXPECT_EQ(classify(stmt("VACUUM", sqlite_dialect), sqlite_dialect), StatementKind::non_transactional);
}

TEST(FileAnalysis, DecidesTheTransactionMode) {
    EXPECT_EQ(analyse("CREATE TABLE t (a int); CREATE INDEX i ON t (a);").decide("f", false), TransactionMode::wrapped);
    EXPECT_EQ(analyse("BEGIN; CREATE TABLE t (a int); COMMIT;").decide("f", false), TransactionMode::own);
    EXPECT_EQ(analyse("CREATE INDEX CONCURRENTLY i ON t (a);").decide("f", false), TransactionMode::none);
    EXPECT_EQ(analyse("CREATE TABLE t (a int);").decide("f", true), TransactionMode::none);
    EXPECT_EQ(analyse("").decide("f", false), TransactionMode::wrapped);
}

TEST(FileAnalysis, RefusesAMixWithoutTheDirectiveNamingTheStatement) {
    const auto a = analyse("CREATE TABLE t (a int);\n  CREATE INDEX CONCURRENTLY i ON t (a);");
    try {
        a.decide("migrations/004_x.up.sql", false);
        FAIL() << "expected a RefusedError";
    } catch (const sqlmig::RefusedError& e) {
        const std::string what = e.what();
        EXPECT_NE(what.find("migrations/004_x.up.sql:2:3"), std::string::npos) << what;
        EXPECT_NE(what.find("sqlmig:no-transaction"), std::string::npos) << what;
    }
    EXPECT_EQ(a.decide("f", true), TransactionMode::none);
}

TEST(FileAnalysis, FindsTheDirectiveOnTheFirstLineOnly) {
    EXPECT_TRUE(has_no_transaction_directive("-- sqlmig:no-transaction\nVACUUM;"));
    EXPECT_TRUE(has_no_transaction_directive("\xEF\xBB\xBF-- sqlmig:no-transaction  \r\nVACUUM;"));
    EXPECT_FALSE(has_no_transaction_directive("VACUUM;\n-- sqlmig:no-transaction\n"));
    EXPECT_FALSE(has_no_transaction_directive("-- sqlmig:no-transactions\n"));
}

TEST(StatementKind, MysqlDdlCommitsImplicitlyAndDataDoesNot) {
    for (const char* sql : {"CREATE TABLE t (a int)", "ALTER TABLE t ADD b int", "DROP TABLE t", "RENAME TABLE a TO b",
                            "TRUNCATE t", "CREATE INDEX i ON t (a)", "LOCK TABLES t WRITE", "SET autocommit = 1",
                            "CALL p()", "/*!40101 SET NAMES utf8 */"}) {
        EXPECT_EQ(classify(stmt(sql, mariadb_dialect), mariadb_dialect), StatementKind::implicit_commit) << sql;
    }
    for (const char* sql : {"INSERT INTO t VALUES (1)", "update t set a = 1", "DELETE FROM t", "REPLACE INTO t VALUES (1)",
                            "SELECT 1", "SET @x = 1", "SET NAMES utf8mb4", "WITH a AS (SELECT 1) SELECT * FROM a"}) {
        EXPECT_EQ(classify(stmt(sql, mariadb_dialect), mariadb_dialect), StatementKind::ordinary) << sql;
    }
    EXPECT_EQ(classify(stmt("BEGIN", mariadb_dialect), mariadb_dialect), StatementKind::transaction_begin);
    EXPECT_EQ(classify(stmt("START TRANSACTION", mariadb_dialect), mariadb_dialect), StatementKind::transaction_begin);
    EXPECT_EQ(classify(stmt("BEGIN NOT ATOMIC SELECT 1; END", mariadb_dialect), mariadb_dialect),
              StatementKind::implicit_commit);
    // The same DDL is transactional on the other databases.
    EXPECT_EQ(classify(stmt("CREATE TABLE t (a int)"), postgres_dialect), StatementKind::ordinary);
}

TEST(FileAnalysis, MysqlFilesWithDdlRunStatementByStatementAndDataOnlyFilesInOneTransaction) {
    const auto ddl = analyse("INSERT INTO t VALUES (1);\nCREATE TABLE u (a int);", mariadb_dialect, 101100);
    EXPECT_EQ(ddl.decide("f", false), TransactionMode::none);
    ASSERT_TRUE(ddl.first_implicit_commit());
    EXPECT_EQ(ddl.first_implicit_commit()->start.line, 2u);
    const auto data = analyse("INSERT INTO t VALUES (1);\nUPDATE t SET a = 2;", mariadb_dialect, 101100);
    EXPECT_EQ(data.decide("f", false), TransactionMode::wrapped);
    EXPECT_FALSE(data.first_implicit_commit());
    EXPECT_EQ(analyse("START TRANSACTION; INSERT INTO t VALUES (1); COMMIT;", mariadb_dialect).decide("f", false),
              TransactionMode::own);
}

TEST(FileAnalysis, RecordsWithTheFilesCommitOnlyWhenThatCommitEndsEverything) {
    EXPECT_EQ(analyse("BEGIN; CREATE TABLE t (a int); COMMIT;").own_recording(), OwnRecording::with_its_commit);
    // Session settings around it leave nothing behind: still one unit.
    EXPECT_EQ(analyse("SET lock_timeout = '1s'; BEGIN; CREATE TABLE t (a int); COMMIT; RESET lock_timeout;")
                  .own_recording(),
              OwnRecording::with_its_commit);
    EXPECT_EQ(analyse("PRAGMA foreign_keys = OFF; BEGIN; CREATE TABLE t (a); COMMIT; PRAGMA foreign_keys = ON;",
                      sqlite_dialect)
                  .own_recording(),
              OwnRecording::with_its_commit);
    // Work before its BEGIN commits on its own.
    EXPECT_EQ(analyse("CREATE TABLE a (x int); BEGIN; CREATE TABLE t (a int); COMMIT;").own_recording(),
              OwnRecording::with_its_commit_after_work);
    EXPECT_EQ(analyse("PRAGMA journal_mode = WAL; BEGIN; CREATE TABLE t (a); COMMIT;", sqlite_dialect)
                  .own_recording(),
              OwnRecording::with_its_commit_after_work);
    // Work after its COMMIT, two transactions, or a ROLLBACK: recorded after the file.
    EXPECT_EQ(analyse("BEGIN; CREATE TABLE t (a int); COMMIT; CREATE TABLE b (x int);").own_recording(),
              OwnRecording::after_the_file);
    EXPECT_EQ(analyse("BEGIN; CREATE TABLE t (a int); COMMIT; BEGIN; CREATE TABLE b (x int); COMMIT;").own_recording(),
              OwnRecording::after_the_file);
    EXPECT_EQ(analyse("BEGIN; CREATE TABLE t (a int); ROLLBACK;").own_recording(), OwnRecording::after_the_file);
    EXPECT_EQ(analyse("COMMIT; CREATE INDEX i ON t (a); BEGIN;").own_recording(), OwnRecording::after_the_file);
}

TEST(StatementKind, SessionSettingsAreThoseThatLeaveNothingBehind) {
    EXPECT_TRUE(is_session_setting(stmt("SET search_path = app"), postgres_dialect));
    EXPECT_TRUE(is_session_setting(stmt("RESET ALL"), postgres_dialect));
    EXPECT_FALSE(is_session_setting(stmt("ALTER TABLE t SET (fillfactor = 70)"), postgres_dialect));
    EXPECT_TRUE(is_session_setting(stmt("SET NAMES utf8mb4", mariadb_dialect), mariadb_dialect));
    EXPECT_FALSE(is_session_setting(stmt("SET GLOBAL max_connections = 10", mariadb_dialect), mariadb_dialect));
    EXPECT_TRUE(is_session_setting(stmt("PRAGMA foreign_keys = OFF", sqlite_dialect), sqlite_dialect));
    EXPECT_TRUE(is_session_setting(stmt("PRAGMA main.defer_foreign_keys=1", sqlite_dialect), sqlite_dialect));
    EXPECT_FALSE(is_session_setting(stmt("PRAGMA user_version = 3", sqlite_dialect), sqlite_dialect));
    EXPECT_FALSE(is_session_setting(stmt("PRAGMA journal_mode = WAL", sqlite_dialect), sqlite_dialect));
}
