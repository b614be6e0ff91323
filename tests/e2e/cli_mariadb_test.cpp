// sqlmig on the MariaDB server that scripts/test starts, run as a user runs it:
// in the project folder, with the URL in config.toml.
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "e2e/mariadb_project.hpp"

using namespace sqlmig::test;
namespace fs = std::filesystem;

namespace {

// A trigger for the mysql client (DELIMITER) and a procedure sent as drivers send it (no DELIMITER).
const char* k_routines_up = R"(CREATE TABLE users (id INT PRIMARY KEY AUTO_INCREMENT, name VARCHAR(100) NOT NULL);
# seeded with escapes the lexer must read
INSERT INTO users (name) VALUES ('it\'s'), ("a \"b\"");
DELIMITER //
CREATE TRIGGER users_name BEFORE INSERT ON users FOR EACH ROW
BEGIN
  IF NEW.name = '' THEN
    SET NEW.name = 'anonymous';
  END IF;
END//
DELIMITER ;
CREATE PROCEDURE add_user(IN n VARCHAR(100))
BEGIN
  INSERT INTO users (name) VALUES (n);
  SELECT COUNT(*) FROM users;
END;
CALL add_user('');
)";

}  // namespace

TEST(CliMariadb, AppliesDelimiterFilesAndRoutineBodiesAndRevertsThem) {
    MariadbProject p;
    p.project.migration("001_users.up.sql", k_routines_up);
    p.project.migration("001_users.down.sql", "DROP PROCEDURE add_user;\nDROP TABLE users;\n");
    const Result up = p.run({"up"});
    ASSERT_EQ(up.code, 0) << up.err;
    EXPECT_CONTAINS(up.err, "commits implicitly on this database");
    EXPECT_EQ(p.db.query("SELECT name FROM users ORDER BY id"), "it's,a \"b\",anonymous");
    EXPECT_EQ(p.rows(), "1 applied");
    EXPECT_EQ(p.run({"check"}).code, 0);
    EXPECT_EQ(p.run({"validate"}).code, 0);
    EXPECT_EQ(p.run({"current"}).out, "001\n");
    const Result down = p.run({"down"});
    ASSERT_EQ(down.code, 0) << down.err;
    EXPECT_EQ(p.db.query("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND "
                         "TABLE_NAME = 'users'"),
              "0");
    EXPECT_EQ(p.db.query("SELECT COUNT(*) FROM sqlmig_migrations"), "0");
}

TEST(CliMariadb, AFailureAfterAnImplicitCommitIsRecordedFailedWithItsPositionUntilRepair) {
    MariadbProject p;
    p.project.migration("001_a.up.sql", "CREATE TABLE a (id INT);\n");
    p.project.migration("002_b.up.sql", "CREATE TABLE b (id INT);\nINSERT INTO b VALUES (1);\nSELECT 1,\n  2 FROMM b WHERE;\n");
    const Result up = p.run({"up"});
    EXPECT_EQ(up.code, 1);
    EXPECT_CONTAINS(up.err, "migrations/002_b.up.sql:4:11: ERROR 1064");
    EXPECT_CONTAINS(up.err, "SQLSTATE: 42000");
    EXPECT_CONTAINS(up.err, "the statements up to line 2 were committed");
    EXPECT_EQ(p.rows(), "1 applied,2 failed");
    EXPECT_CONTAINS(p.db.query("SELECT failure FROM sqlmig_migrations WHERE version = '2'"), "002_b.up.sql:4:11:");
    const Result status = p.run({"status"});
    EXPECT_CONTAINS(status.out, "failed");
    const Result again = p.run({"up"});
    EXPECT_EQ(again.code, 3) << again.err;
    EXPECT_CONTAINS(again.err, "sqlmig repair");
    // Fixed by hand and in the file, then repaired: up runs it again.
    p.db.query("DROP TABLE b");
    p.project.migration("002_b.up.sql", "CREATE TABLE b (id INT);\nINSERT INTO b VALUES (1);\n");
    ASSERT_EQ(p.run({"repair"}).code, 0);
    const Result fixed = p.run({"up"});
    ASSERT_EQ(fixed.code, 0) << fixed.err;
    EXPECT_EQ(p.rows(), "1 applied,2 applied");
}

TEST(CliMariadb, ADataOnlyFileIsOneTransactionAndRollsBackWhole) {
    MariadbProject p;
    p.project.migration("001_t.up.sql", "CREATE TABLE t (id INT PRIMARY KEY);\n");
    p.project.migration("002_rows.up.sql", "INSERT INTO t VALUES (1);\nINSERT INTO t VALUES (2);\nINSERT INTO t VALUES (1);\n");
    const Result up = p.run({"up"});
    EXPECT_EQ(up.code, 1);
    EXPECT_CONTAINS(up.err, "applying migrations/002_rows.up.sql (transaction)");
    EXPECT_CONTAINS(up.err, "migrations/002_rows.up.sql:3:1: ERROR 1062");
    EXPECT_CONTAINS(up.err, "nothing of 002_rows was applied (rolled back)");
    EXPECT_EQ(p.db.query("SELECT COUNT(*) FROM t"), "0");
    EXPECT_EQ(p.rows(), "1 applied");
}

TEST(CliMariadb, SingleTransactionIsRefusedBeforeAnythingRuns) {
    MariadbProject p;
    p.project.migration("001_t.up.sql", "INSERT INTO nowhere VALUES (1);\n");
    const Result r = p.run({"up", "--single-transaction"});
    EXPECT_EQ(r.code, 3);
    EXPECT_CONTAINS(r.err, "--single-transaction cannot be all or nothing on mariadb");
    EXPECT_EQ(p.db.query("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()"), "0");
}

TEST(CliMariadb, LockTimeoutNamesTheHolderAndExitsFour) {
    MariadbProject p;
    p.project.migration("001_slow.up.sql", "SELECT SLEEP(4);\n");
    const std::string dir = shell_quote(p.project.dir().string());
    const std::string bin = shell_quote(SQLMIG_BINARY);
    const std::string cmd = "cd " + dir + " && (" + bin + " -q up >/dev/null 2>&1 &) ; sleep 1.5; " + bin +
                            " up --lock-timeout 1 2>lock.err; echo $? > lock.rc";
    std::system(cmd.c_str());
    const Result r = p.project.outcome("lock");
    EXPECT_EQ(r.code, 4) << r.err;
    EXPECT_CONTAINS(r.err, "another session holds the migration lock");
    EXPECT_CONTAINS(r.err, "held by connection");
    EXPECT_CONTAINS(r.err, "root@");
    sleep(4);  // the detached first run must finish before its database is dropped
}

TEST(CliMariadb, EightConcurrentRunnersApplyEachMigrationExactlyOnce) {
    MariadbProject p("[backup]\nenabled = false\n");
    p.project.migration("001_log.up.sql", "CREATE TABLE ran (version INT);\n");
    for (int v = 2; v <= 6; ++v) {
        p.project.migration("00" + std::to_string(v) + "_m.up.sql",
                            "INSERT INTO ran VALUES (" + std::to_string(v) + ");\nCREATE TABLE t" + std::to_string(v) +
                                " (id INT);\n");
    }
    // cd DIR && ( (run0) & (run1) & ... (run7); wait )
    std::string script = "cd " + shell_quote(p.project.dir().string()) + " && (";
    for (int i = 0; i < 8; ++i) {
        script += "(" + shell_quote(SQLMIG_BINARY) + " -q up --lock-timeout 60 2>r" + std::to_string(i) +
                  ".err; echo $? >r" + std::to_string(i) + ".rc) & ";
    }
    script += "wait)";
    std::system(script.c_str());
    for (int i = 0; i < 8; ++i) {
        const Result r = p.project.outcome("r" + std::to_string(i));
        EXPECT_EQ(r.code, 0) << "runner " << i << ": " << r.err;
    }
    EXPECT_EQ(p.db.query("SELECT GROUP_CONCAT(version ORDER BY version) FROM ran"), "2,3,4,5,6");
    EXPECT_EQ(p.rows(), "1 applied,2 applied,3 applied,4 applied,5 applied,6 applied");
}

TEST(CliMariadb, BackupAndRestoreRoundTripWithThePasswordNeverOnArgv) {
    MariadbProject p;
    // A wrapper that records its arguments and the option file's mode, then runs the real tool.
    p.project.write_file("spy-dump", "#!/bin/sh\necho \"$@\" >>args.txt\n"
                                     "case \"$1\" in --defaults-file=*) stat -L -c %a \"${1#--defaults-file=}\" >>mode.txt;; esac\n"
                                     "ls -l /proc/$$/fd >>fds.txt\n"
                                     "exec mariadb-dump \"$@\"\n");
    fs::permissions(p.project.dir() / "spy-dump", fs::perms::owner_all);
    p.project.write_file("config.toml", "[database]\nurl = \"" + p.db.url() + "\"\n[backup]\nmariadb_dump = \"./spy-dump\"\n");
    p.project.migration("001_t.up.sql", "CREATE TABLE t (id INT PRIMARY KEY, note TEXT);\nINSERT INTO t VALUES (1, 'a\\\\b'), (2, 'c');\n");
    p.project.migration("002_more.up.sql", "INSERT INTO t VALUES (3, 'd');\n");
    ASSERT_EQ(p.run({"up", "1"}).code, 0);
    const Result second = p.run({"up"});
    ASSERT_EQ(second.code, 0) << second.err;
    const std::string file = "backups/" + logged_backup(second.err);
    ASSERT_TRUE(fs::exists(p.project.dir() / file)) << second.err;
    EXPECT_EQ(permissions_of(p.project.dir() / file), 0600u);
    EXPECT_EQ(p.db.query("SELECT COUNT(*) FROM t"), "3");
    const std::string args = read_text(p.project.dir() / "args.txt");
    EXPECT_NOT_CONTAINS(args, "sqlmig-test");
    EXPECT_CONTAINS(args, "--single-transaction");
    EXPECT_EQ(read_text(p.project.dir() / "mode.txt"), "600\n600\n") << "one 0600 option file per backup";
    // The tool inherits its option file and nothing of sqlmig's: not the session's socket.
    EXPECT_NOT_CONTAINS(read_text(p.project.dir() / "fds.txt"), "socket:");
    // The backup holds the state before 002: restoring it brings that state back.
    const Result restore = p.run({"restore", file, "--yes", "--no-backup"});
    ASSERT_EQ(restore.code, 0) << restore.err;
    EXPECT_EQ(p.db.query("SELECT GROUP_CONCAT(note ORDER BY id) FROM t"), "a\\b,c");
    EXPECT_EQ(p.rows(), "1 applied");
    EXPECT_EQ(p.run({"up"}).code, 0);
    EXPECT_EQ(p.db.query("SELECT COUNT(*) FROM t"), "3");
    // The option file is an in-memory file the tool reads as fd 3: none is left on a disk, even after a kill.
    EXPECT_CONTAINS(args, "--defaults-file=/dev/fd/3");
}

TEST(CliMariadb, ThePasswordIsNeverPrinted) {
    MariadbProject p;
    p.project.migration("001_t.up.sql", "CREATE TABLE t (id INT);\n");
    ASSERT_EQ(p.run({"up"}).code, 0);
    const std::string wrong_db = p.db.url().substr(0, p.db.url().rfind('/') + 1) + "no_such_database";
    const std::string wrong_password = "mariadb://root:not-the-password@127.0.0.1:" +
                                       p.db.url().substr(p.db.url().rfind(':') + 1);
    for (const std::vector<std::string>& args :
         {std::vector<std::string>{"status"}, {"status", "--json"}, {"history"}, {"-v", "up"},
          {"--database", wrong_db, "status"}, {"--database", wrong_db, "status", "--json"},
          {"--database", wrong_password, "status"}, {"--database", "mysql://root:sqlmig-test@h:99999/d", "status"}}) {
        const Result r = p.run(args);
        EXPECT_NOT_CONTAINS(r.out + r.err, "sqlmig-test");
        EXPECT_NOT_CONTAINS(r.out + r.err, "not-the-password");
    }
    const Result unreachable = p.run({"--database", wrong_db, "status"});
    EXPECT_EQ(unreachable.code, 1);
    EXPECT_CONTAINS(unreachable.err, "cannot connect to MariaDB/MySQL at mariadb://root:***@127.0.0.1");
    EXPECT_CONTAINS(unreachable.err, "Unknown database 'no_such_database'");
}

TEST(CliMariadb, UpSqlPrintsAScriptTheMariadbClientRuns) {
    MariadbProject p;
    p.project.migration("001_users.up.sql", k_routines_up);
    const Result sql = p.run({"up", "--sql"});
    ASSERT_EQ(sql.code, 0) << sql.err;
    EXPECT_CONTAINS(sql.out, "DELIMITER $$\nCREATE TRIGGER users_name");
    EXPECT_EQ(p.db.query("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()"), "0")
        << "--sql connects read-only and creates nothing";
    p.project.write_file("script.sql", sql.out);
    const std::string url = p.db.url();  // mariadb://root:PASSWORD@127.0.0.1:PORT/DB
    const std::string password = url.substr(url.find(':', 10) + 1, url.find('@') - url.find(':', 10) - 1);
    const std::string port = url.substr(url.rfind(':') + 1, url.rfind('/') - url.rfind(':') - 1);
    const std::string cmd = "cd " + shell_quote(p.project.dir().string()) +
                            " && MYSQL_PWD=" + shell_quote(password) + " mariadb --no-defaults -h127.0.0.1 -P" + port +
                            " -uroot " + p.db.name() + " <script.sql >client.out 2>client.err; echo $? >client.rc";
    std::system(cmd.c_str());
    const Result client = p.project.outcome("client");
    ASSERT_EQ(client.code, 0) << client.err;
    EXPECT_EQ(p.db.query("SELECT name FROM users ORDER BY id"), "it's,a \"b\",anonymous");
    EXPECT_EQ(p.run({"status"}).code, 0);
    EXPECT_EQ(p.run({"current"}).out, "001\n");
}

TEST(CliMariadb, CorpusModelRegistryAppliesUnchangedAndItsDownsRevertIt) {
    SQLMIG_REQUIRE_CORPUS(corpus);
    MariadbProject p;
    const std::string dir = (corpus / "model-registry-mysql").string();
    const Result up = p.run({"--dir", dir, "up"});
    ASSERT_EQ(up.code, 0) << up.err;
    EXPECT_EQ(p.db.query("SELECT COUNT(*) FROM sqlmig_migrations WHERE state = 'applied'"), "21");
    EXPECT_EQ(p.run({"--dir", dir, "check"}).code, 0);
    const std::string tables = "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND "
                               "TABLE_NAME NOT LIKE 'sqlmig\\_migrations%'";
    EXPECT_NE(p.db.query(tables), "0");
    const Result down = p.run({"--dir", dir, "down", "base"});
    ASSERT_EQ(down.code, 0) << down.err;
    EXPECT_EQ(p.db.query(tables), "0");
    EXPECT_EQ(p.db.query("SELECT COUNT(*) FROM sqlmig_migrations"), "0");
    const Result again = p.run({"--dir", dir, "up"});
    ASSERT_EQ(again.code, 0) << again.err;
}

TEST(CliMariadb, VerifyFindsWhatADownForgetsOnAScratchDatabase) {
    MariadbProject p;
    p.project.migration("001_t.up.sql", "CREATE TABLE t (id INT PRIMARY KEY, email VARCHAR(100));\n");
    p.project.migration("001_t.down.sql", "DROP TABLE t;\n");
    p.project.migration("002_idx.up.sql", "CREATE INDEX t_email ON t (email);\nCREATE TABLE audit (id INT);\n");
    p.project.migration("002_idx.down.sql", "DROP INDEX t_email ON t;\n");
    const Result r = p.run({"verify"});
    EXPECT_EQ(r.code, 3) << r.err;
    EXPECT_CONTAINS(r.out, "reversible      001_t");
    EXPECT_CONTAINS(r.out, "NOT reversible  002_idx");
    EXPECT_CONTAINS(r.out, "- table audit BASE TABLE");
    EXPECT_EQ(p.db.query("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()"), "0")
        << "verify leaves the configured database alone";
    EXPECT_EQ(p.db.query("SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE 'sqlmig_verify_%'"),
              "0")
        << "and drops its scratch database";
}

TEST(CliMariadb, LintReadsTheMysqlDialectFromTheUrl) {
    MariadbProject p;
    p.project.migration("001_t.up.sql", "CREATE TABLE t (id INT); # a comment\nDELIMITER //\nCREATE PROCEDURE p() BEGIN SELECT 1; END//\n");
    const Result r = p.run({"lint", "--json"});
    EXPECT_EQ(r.code, 0) << r.out << r.err;
    EXPECT_CONTAINS(r.out, "\"dialect\": \"mysql\"");
}

TEST(CliMariadb, AnOlderOrUnknownDumpToolIsRefusedBeforeAnythingRuns) {
    MariadbProject p;
    p.project.write_file("old-dump", "#!/bin/sh\necho 'mariadb-dump  Ver 10.19 Distrib 10.3.39-MariaDB, for debian-linux-gnu'\n");
    p.project.write_file("not-a-dump", "#!/bin/sh\necho 'hello'\n");
    fs::permissions(p.project.dir() / "old-dump", fs::perms::owner_all);
    fs::permissions(p.project.dir() / "not-a-dump", fs::perms::owner_all);
    p.project.migration("001_t.up.sql", "CREATE TABLE t (id INT);\n");
    for (const auto& [tool, message] : {std::pair{"./old-dump", "of MariaDB 10.3 is older than the server, MariaDB 10."},
                                        std::pair{"./not-a-dump", "is it a MariaDB or MySQL client program?"},
                                        std::pair{"./missing-dump", "install the MariaDB client programs"}}) {
        p.project.write_file("config.toml", "[database]\nurl = \"" + p.db.url() + "\"\n[backup]\nmariadb_dump = \"" +
                                                tool + "\"\n");
        const Result r = p.run({"up"});
        EXPECT_EQ(r.code, 1) << tool;
        EXPECT_CONTAINS(r.err, message);
        EXPECT_EQ(p.db.query("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_NAME = 't' AND "
                             "TABLE_SCHEMA = DATABASE()"),
                  "0")
            << "nothing ran";
    }
}

TEST(CliMariadb, TheSchemaFileIsTheDumpWithoutData) {
    MariadbProject p("[dump]\nschema_file = \"db/schema.sql\"\n");
    p.project.migration("001_t.up.sql", "CREATE TABLE t (id INT PRIMARY KEY, secret_note TEXT);\n"
                                        "INSERT INTO t VALUES (1, 'row-data-not-in-schema');\n");
    const Result up = p.run({"up"});
    ASSERT_EQ(up.code, 0) << up.err;
    const std::string schema = read_text(p.project.dir() / "db" / "schema.sql");
    EXPECT_CONTAINS(schema, "CREATE TABLE `t`");
    EXPECT_CONTAINS(schema, "`secret_note` text");
    EXPECT_NOT_CONTAINS(schema, "row-data-not-in-schema");
    EXPECT_NOT_CONTAINS(schema, "sqlmig-test");
}

TEST(CliMariadb, WaitRetriesUntilTheDatabaseAcceptsThenGivesTheUsualError) {
    MariadbProject p;
    p.project.migration("001_t.up.sql", "CREATE TABLE t (id INT);\n");
    // A database that appears two seconds later, as a container's does.
    const std::string later = p.db.name() + "_later";
    const std::string url = p.db.url().substr(0, p.db.url().rfind('/') + 1) + later;
    const std::string server = mariadb_server_url();
    const std::string cmd = "cd " + shell_quote(p.project.dir().string()) + " && (" + shell_quote(SQLMIG_BINARY) +
                            " --database " + shell_quote(url) + " --wait=30s up 2>wait.err; echo $? >wait.rc) & sleep 2";
    std::system(cmd.c_str());
    mariadb_query(server, "CREATE DATABASE " + later);
    Result r;
    for (int i = 0; i < 100 && !fs::exists(p.project.dir() / "wait.rc"); ++i) {
        usleep(100000);
    }
    usleep(200000);
    r = p.project.outcome("wait");
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_CONTAINS(r.err, "waiting for the database to accept connections");
    EXPECT_CONTAINS(r.err, "Unknown database '" + later + "'");
    EXPECT_CONTAINS(r.err, "applied 001_t");
    EXPECT_NOT_CONTAINS(r.err, "sqlmig-test");
    mariadb_query(server, "DROP DATABASE " + later);
    // Never there: the usual error once the time is up, exit 1.
    const Result never = p.run({"--database", url + "_never", "--wait=1s", "status"});
    EXPECT_EQ(never.code, 1);
    EXPECT_CONTAINS(never.err, "sqlmig: error: cannot connect to MariaDB/MySQL at");
    EXPECT_CONTAINS(never.err, "(still refused after waiting 1 s, --wait)");
    // Without --wait: no retry.
    const Result once = p.run({"--database", url + "_never", "status"});
    EXPECT_EQ(once.code, 1);
    EXPECT_NOT_CONTAINS(once.err, "waiting for");
    const Result bad = p.run({"--wait=soon", "status"});
    EXPECT_EQ(bad.code, 2);
    EXPECT_CONTAINS(bad.err, "--wait must be a duration");
}
