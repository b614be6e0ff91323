#include <gtest/gtest.h>

#include "core/sql_splitter.hpp"
#include "db/mariadb/dialect.hpp"
#include "db/postgres/dialect.hpp"
#include "db/sqlite/dialect.hpp"

using sqlmig::db::mariadb_dialect;
using sqlmig::db::postgres_dialect;
using sqlmig::db::sqlite_dialect;

using namespace sqlmig::core;

namespace {

std::vector<Statement> split_all(const std::string& sql, Dialect dialect, std::size_t chunk = 0) {
    SqlSplitter s(dialect);
    std::vector<Statement> out;
    const std::size_t step = chunk ? chunk : sql.size() + 1;
    for (std::size_t i = 0; i < sql.size(); i += step) {
        s.feed(std::string_view(sql).substr(i, step));
        while (auto st = s.next()) {
            out.push_back(*st);
        }
    }
    s.finish();
    while (auto st = s.next()) {
        out.push_back(*st);
    }
    return out;
}

std::vector<std::string> texts(const std::vector<Statement>& v) {
    std::vector<std::string> out;
    for (const auto& s : v) {
        out.push_back(s.text);
    }
    return out;
}

struct Case {
    const char* label;
    Dialect dialect;
    std::string sql;
    std::vector<std::string> expected;
};

const std::vector<Case>& cases() {
    static const std::vector<Case> c = {
        {"simple", postgres_dialect, "SELECT 1; SELECT 2;", {"SELECT 1", "SELECT 2"}},
        {"last without semicolon", postgres_dialect, "SELECT 1;\nSELECT 2", {"SELECT 1", "SELECT 2"}},
        {"comments only", postgres_dialect, "-- nothing\n/* here */\n", {}},
        {"empty statements", postgres_dialect, ";;\n; SELECT 1;;", {"SELECT 1"}},
        {"quote with doubled quote", postgres_dialect, "SELECT 'a;''b'; SELECT 2", {"SELECT 'a;''b'", "SELECT 2"}},
        {"E string with backslash quote", postgres_dialect, "SELECT E'a\\';b'; SELECT 2",
         {"SELECT E'a\\';b'", "SELECT 2"}},
        {"standard string keeps backslash", postgres_dialect, "SELECT 'a\\'; SELECT 2", {"SELECT 'a\\'", "SELECT 2"}},
        {"U& string", postgres_dialect, "SELECT U&'d\\0061t;a'; SELECT 2", {"SELECT U&'d\\0061t;a'", "SELECT 2"}},
        {"quoted identifier", postgres_dialect, "CREATE TABLE \"a;\"\"b\" (x int); SELECT 2",
         {"CREATE TABLE \"a;\"\"b\" (x int)", "SELECT 2"}},
        {"dollar quote", postgres_dialect, "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql; SELECT 2",
         {"CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql", "SELECT 2"}},
        {"tagged dollar quote with nested other tag", postgres_dialect,
         "DO $outer$ BEGIN EXECUTE $inner$ SELECT 1; $inner$; END $outer$; SELECT 2",
         {"DO $outer$ BEGIN EXECUTE $inner$ SELECT 1; $inner$; END $outer$", "SELECT 2"}},
        {"dollar inside a string is not a quote", postgres_dialect,
         "SELECT '$.CVSS.nvd.V3Score'; SELECT $$ '$.x' ; $$; SELECT 3",
         {"SELECT '$.CVSS.nvd.V3Score'", "SELECT $$ '$.x' ; $$", "SELECT 3"}},
        {"positional parameter is not a quote", postgres_dialect,
         "CREATE FUNCTION f(int) RETURNS int AS 'SELECT $1' LANGUAGE sql; SELECT 2",
         {"CREATE FUNCTION f(int) RETURNS int AS 'SELECT $1' LANGUAGE sql", "SELECT 2"}},
        {"dollar in identifier", postgres_dialect, "SELECT a$b$ FROM t; SELECT 2", {"SELECT a$b$ FROM t", "SELECT 2"}},
        {"line comment with semicolon", postgres_dialect, "SELECT 1 -- a;b\n; SELECT 2", {"SELECT 1", "SELECT 2"}},
        {"nested block comments", postgres_dialect, "SELECT /* a /* b; */ c; */ 1; SELECT 2",
         {"SELECT /* a /* b; */ c; */ 1", "SELECT 2"}},
        {"begin atomic body", postgres_dialect,
         "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT CASE WHEN true THEN 2 END; END; "
         "SELECT 3",
         {"CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT CASE WHEN true THEN 2 END; END",
          "SELECT 3"}},
        {"own transaction", postgres_dialect, "BEGIN;\nCREATE TABLE t (x int);\nCOMMIT;",
         {"BEGIN", "CREATE TABLE t (x int)", "COMMIT"}},
        {"semicolon in parentheses", postgres_dialect, "CREATE RULE r AS ON INSERT TO t DO (SELECT 1; SELECT 2); SELECT 3",
         {"CREATE RULE r AS ON INSERT TO t DO (SELECT 1; SELECT 2)", "SELECT 3"}},
        {"sqlite trigger body", sqlite_dialect,
         "CREATE TRIGGER t AFTER INSERT ON a BEGIN UPDATE a SET x = CASE WHEN 1 THEN 2 END; DELETE FROM b; END; SELECT 2",
         {"CREATE TRIGGER t AFTER INSERT ON a BEGIN UPDATE a SET x = CASE WHEN 1 THEN 2 END; DELETE FROM b; END",
          "SELECT 2"}},
        {"sqlite temp trigger", sqlite_dialect, "CREATE TEMP TRIGGER t BEFORE DELETE ON a BEGIN SELECT 1; END;SELECT 2",
         {"CREATE TEMP TRIGGER t BEFORE DELETE ON a BEGIN SELECT 1; END", "SELECT 2"}},
        {"sqlite brackets and backticks", sqlite_dialect, "SELECT [a;b], `c;d` FROM t; SELECT 2",
         {"SELECT [a;b], `c;d` FROM t", "SELECT 2"}},
        {"sqlite has no dollar quotes", sqlite_dialect, "SELECT $a; SELECT 2", {"SELECT $a", "SELECT 2"}},
        {"sqlite own transaction", sqlite_dialect,
         "PRAGMA foreign_keys=OFF;\nBEGIN;\nCREATE TABLE t (x);\nCOMMIT;\nPRAGMA foreign_keys=ON;",
         {"PRAGMA foreign_keys=OFF", "BEGIN", "CREATE TABLE t (x)", "COMMIT", "PRAGMA foreign_keys=ON"}},
        // MySQL and MariaDB
        {"mysql backslash escapes in both quotes", mariadb_dialect,
         "INSERT INTO t VALUES ('a\\';b', \"c\\\";d\"); SELECT 2",
         {"INSERT INTO t VALUES ('a\\';b', \"c\\\";d\")", "SELECT 2"}},
        {"mysql doubled quotes and backticks", mariadb_dialect, "SELECT 'it''s;', `a;``b` FROM t; SELECT 2",
         {"SELECT 'it''s;', `a;``b` FROM t", "SELECT 2"}},
        {"mysql hash comment", mariadb_dialect, "# a; comment\nSELECT 1; # trailing;\nSELECT 2",
         {"SELECT 1", "SELECT 2"}},
        {"mysql -- needs a space", mariadb_dialect, "SELECT 1--1;\n-- real; comment\nSELECT 2;--\tx;\nSELECT 3",
         {"SELECT 1--1", "SELECT 2", "SELECT 3"}},
        {"mysql -- at the end of the file", mariadb_dialect, "SELECT 1;\n--", {"SELECT 1"}},
        {"postgres # is no comment", postgres_dialect, "SELECT 1 # 2; SELECT 3", {"SELECT 1 # 2", "SELECT 3"}},
        {"mysql executable comments are statements", mariadb_dialect,
         "/*!40101 SET NAMES utf8mb4 */;\n/* plain; comment */\n/*M!100100 SET @x = 1 */;\nSELECT /*+ BKA(t) */ 1 FROM t",
         {"/*!40101 SET NAMES utf8mb4 */", "/*M!100100 SET @x = 1 */", "SELECT /*+ BKA(t) */ 1 FROM t"}},
        {"mysql /*+ alone is a comment", mariadb_dialect, "/*+++ banner +++*/\nSELECT 1", {"SELECT 1"}},
        {"mysql DELIMITER", mariadb_dialect,
         "DELIMITER //\nCREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW\nBEGIN\n  SET NEW.a = 1;\nEND//\n"
         "DELIMITER ;\nSELECT 2;",
         {"CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW\nBEGIN\n  SET NEW.a = 1;\nEND", "SELECT 2"}},
        {"mysql DELIMITER $$ and ;; with several statements", mariadb_dialect,
         "delimiter $$\nSELECT 1$$ SELECT ';$$' $$\nDELIMITER ;;\nSELECT 3;;\nDELIMITER ;\nSELECT 4",
         {"SELECT 1", "SELECT ';$$'", "SELECT 3", "SELECT 4"}},
        {"mysql DELIMITER only at a statement's start", mariadb_dialect, "SELECT delimiter FROM t; SELECT 2",
         {"SELECT delimiter FROM t", "SELECT 2"}},
        {"mysql routine body without DELIMITER", mariadb_dialect,
         "CREATE PROCEDURE p()\nBEGIN\n  DECLARE i INT DEFAULT 0;\n  lbl: LOOP\n    SET i = i + 1;\n"
         "    IF i > 3 THEN LEAVE lbl; END IF;\n  END LOOP lbl;\n  SELECT CASE WHEN i > 1 THEN 'a' ELSE 'b' END;\n"
         "  CASE i WHEN 1 THEN SELECT 1; ELSE SELECT 2; END CASE;\n  WHILE i > 0 DO SET i = i - 1; END WHILE;\n"
         "  REPEAT SET i = i + 1; UNTIL i > 2 END REPEAT;\n  SELECT IF(i > 1, 'x', 'y'), REPEAT('z', 2);\nEND;\nSELECT 2",
         {"CREATE PROCEDURE p()\nBEGIN\n  DECLARE i INT DEFAULT 0;\n  lbl: LOOP\n    SET i = i + 1;\n"
          "    IF i > 3 THEN LEAVE lbl; END IF;\n  END LOOP lbl;\n  SELECT CASE WHEN i > 1 THEN 'a' ELSE 'b' END;\n"
          "  CASE i WHEN 1 THEN SELECT 1; ELSE SELECT 2; END CASE;\n  WHILE i > 0 DO SET i = i - 1; END WHILE;\n"
          "  REPEAT SET i = i + 1; UNTIL i > 2 END REPEAT;\n  SELECT IF(i > 1, 'x', 'y'), REPEAT('z', 2);\nEND",
          "SELECT 2"}},
        {"mysql trigger body that is one IF", mariadb_dialect,
         "CREATE TRIGGER tr BEFORE UPDATE ON t FOR EACH ROW IF NEW.a < 0 THEN SET NEW.a = 0; END IF;\nSELECT 2",
         {"CREATE TRIGGER tr BEFORE UPDATE ON t FOR EACH ROW IF NEW.a < 0 THEN SET NEW.a = 0; END IF", "SELECT 2"}},
        {"mariadb BEGIN NOT ATOMIC", mariadb_dialect,
         "BEGIN NOT ATOMIC\n  IF 1 THEN SELECT 1; END IF;\nEND;\nBEGIN;\nINSERT INTO t VALUES (1);\nCOMMIT",
         {"BEGIN NOT ATOMIC\n  IF 1 THEN SELECT 1; END IF;\nEND", "BEGIN", "INSERT INTO t VALUES (1)", "COMMIT"}},
        {"mysql tables named like keywords end at ';'", mariadb_dialect,
         "CREATE TABLE t (`begin` INT, `end` INT, event INT);\nCREATE TABLE u (c INT AS (CASE WHEN 1 THEN 2 END));\nSELECT 3",
         {"CREATE TABLE t (`begin` INT, `end` INT, event INT)", "CREATE TABLE u (c INT AS (CASE WHEN 1 THEN 2 END))",
          "SELECT 3"}},
        {"crlf and utf8", postgres_dialect, "INSERT INTO t VALUES ('héllo; wörld');\r\nSELECT 2\r\n",
         {"INSERT INTO t VALUES ('héllo; wörld')", "SELECT 2"}},
    };
    return c;
}

}  // namespace

TEST(SqlSplitter, SplitsEveryCaseTheSameWayWhateverTheChunking) {
    for (const auto& c : cases()) {
        for (std::size_t chunk : {0, 1, 2, 3, 7}) {
            EXPECT_EQ(texts(split_all(c.sql, c.dialect, chunk)), c.expected) << c.label << ", chunk " << chunk;
        }
    }
}

TEST(SqlSplitter, RecordsLineAndColumnInCharacters) {
    const auto v = split_all("-- header\n\nSELECT 1;  SELECT 'é';\n  /* c */ SELECT\n 3", postgres_dialect, 4);
    ASSERT_EQ(v.size(), 3u);
    EXPECT_EQ(v[0].start.line, 3u);
    EXPECT_EQ(v[0].start.column, 1u);
    EXPECT_EQ(v[1].start.line, 3u);
    EXPECT_EQ(v[1].start.column, 12u);
    EXPECT_EQ(v[2].start.line, 4u);
    EXPECT_EQ(v[2].start.column, 11u);
}

TEST(SqlSplitter, LocatesAPositionInsideAStatement) {
    const auto v = split_all("\n  SELECT 'é',\n    bogus;", postgres_dialect);
    ASSERT_EQ(v.size(), 1u);
    // "bogus" is character 16 (0-based) of the statement text: SELECT 'é',\n    bogus
    const Position p = locate_in_statement(v[0], 16);
    EXPECT_EQ(p.line, 3u);
    EXPECT_EQ(p.column, 5u);
}

TEST(SqlSplitter, CollectsLeadingWordsUpperCased) {
    const auto v = split_all("create /* x */ unique index concurrently idx on t (a);", postgres_dialect);
    ASSERT_EQ(v.size(), 1u);
    const std::vector<std::string> expected = {"CREATE", "UNIQUE", "INDEX", "CONCURRENTLY", "IDX", "ON", "T", "A"};
    EXPECT_EQ(v[0].words, expected);
}

TEST(SqlSplitter, MysqlPositionsCountTheDelimiterLines) {
    const auto v = split_all("DELIMITER //\n\nCREATE PROCEDURE p() BEGIN SELECT 1; END //\nDELIMITER ;\n  SELECT 2;",
                             mariadb_dialect, 3);
    ASSERT_EQ(v.size(), 2u);
    EXPECT_EQ(v[0].start.line, 3u);
    EXPECT_EQ(v[0].start.column, 1u);
    EXPECT_EQ(v[1].start.line, 5u);
    EXPECT_EQ(v[1].start.column, 3u);
    const std::vector<std::string> words = {"CREATE", "PROCEDURE", "P", "BEGIN", "SELECT", "END"};
    EXPECT_EQ(v[0].words, words);
}

TEST(SqlSplitter, MysqlUnterminatedStringIsReported) {
    SqlSplitter s(mariadb_dialect);
    s.feed("SELECT 1;\nSELECT 'a\\';\n");
    s.finish();
    while (s.next()) {
    }
    ASSERT_TRUE(s.unterminated());
    EXPECT_EQ(s.unterminated()->start.line, 2u);
    EXPECT_EQ(s.unterminated()->start.column, 8u);
}

TEST(SqlSplitter, ReportsUnterminatedConstructsWithTheirStart) {
    SqlSplitter s(postgres_dialect);
    s.feed("SELECT 1;\nSELECT $body$ never closed;\n");
    s.finish();
    while (s.next()) {
    }
    ASSERT_TRUE(s.unterminated());
    EXPECT_EQ(s.unterminated()->start.line, 2u);
    EXPECT_EQ(s.unterminated()->start.column, 8u);
    EXPECT_NE(s.unterminated()->what.find("$body$"), std::string::npos);
}

TEST(SqlSplitter, StreamsManyStatementsFedOneByOne) {
    SqlSplitter s(postgres_dialect);
    std::size_t count = 0;
    const std::string stmt = "INSERT INTO t VALUES (1, 'some text; here');\n";
    for (int i = 0; i < 20000; ++i) {
        s.feed(stmt);
        while (s.next()) {
            ++count;
        }
    }
    s.finish();
    while (s.next()) {
        ++count;
    }
    EXPECT_EQ(count, 20000u);
    EXPECT_FALSE(s.unterminated());
}

// A statement of a few MiB is handed over with the splitter's buffer rather than
// copied; what follows it must still split, and still know its line and column.
TEST(SqlSplitter, LargeStatementsKeepTheirNeighboursAndPositions) {
    const std::string big = "INSERT INTO t VALUES ('" + std::string(3 << 20, 'x') + "')";
    const std::string sql = "SELECT 1;\n" + big + ";\n  SELECT 2;\nSELECT 'é'; SELECT 3";
    for (const std::size_t chunk : {std::size_t{0}, std::size_t{1} << 18, std::size_t{4097}}) {
        SCOPED_TRACE(chunk);
        const auto v = split_all(sql, sqlite_dialect, chunk);
        ASSERT_EQ(v.size(), 5u);
        EXPECT_EQ(v[0].text, "SELECT 1");
        EXPECT_EQ(v[1].text, big);
        EXPECT_EQ(v[1].start.line, 2u);
        EXPECT_EQ(v[2].text, "SELECT 2");
        EXPECT_EQ(v[2].start.line, 3u);
        EXPECT_EQ(v[2].start.column, 3u);
        EXPECT_EQ(v[4].text, "SELECT 3");
        EXPECT_EQ(v[4].start.line, 4u);
        EXPECT_EQ(v[4].start.column, 13u);
    }
}

TEST(SqlSplitter, ScriptStatementsReadBackAsTheSameStatements) {
    const std::string body = "CREATE PROCEDURE p() BEGIN SELECT '$$'; SELECT 2; END";
    const std::string script = script_statement(body, mariadb_dialect) + script_statement("SELECT 3", mariadb_dialect);
    EXPECT_EQ(script.rfind("DELIMITER $$$\n", 0), 0u) << script;
    EXPECT_EQ(texts(split_all(script, mariadb_dialect)), (std::vector<std::string>{body, "SELECT 3"}));
    EXPECT_EQ(script_statement("SELECT 1; 2", postgres_dialect), "SELECT 1; 2;\n");
}
