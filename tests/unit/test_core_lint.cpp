#include <gtest/gtest.h>

#include <algorithm>

#include "core/lint.hpp"
#include "db/postgres/dialect.hpp"
#include "db/sqlite/dialect.hpp"

using sqlmig::db::postgres_dialect;
using sqlmig::db::sqlite_dialect;

using namespace sqlmig::core;

namespace {

struct Case {
    const char* rule;
    Dialect dialect;
    std::string bad;   // an up file that the rule finds
    std::string good;  // the same intent, written so that it does not
};

// Every rule that looks at statements, with the examples docs/lint.md gives.
const std::vector<Case> k_cases = {
    {"concurrently-in-transaction", postgres_dialect, "CREATE TABLE t (x int);\nCREATE INDEX CONCURRENTLY i ON t (x);\n",
     "-- sqlmig:no-transaction\nCREATE INDEX CONCURRENTLY i ON t (x);\n"},
    {"unbalanced-transaction", postgres_dialect, "BEGIN;\nUPDATE t SET x = 1;\n", "BEGIN;\nUPDATE t SET x = 1;\nCOMMIT;\n"},
    {"unbalanced-transaction", sqlite_dialect, "UPDATE t SET x = 1;\nCOMMIT;\n", "UPDATE t SET x = 1;\n"},
    {"psql-meta-command", postgres_dialect, "\\set ON_ERROR_STOP on\nCREATE TABLE t (x int);\n", "CREATE TABLE t (x int);\n"},
    {"copy-from-stdin", postgres_dialect, "COPY t (x) FROM STDIN;\n", "INSERT INTO t (x) VALUES (1);\n"},
    {"pragma-in-transaction", sqlite_dialect, "PRAGMA foreign_keys = OFF;\nDROP TABLE t;\n",
     "PRAGMA foreign_keys = OFF;\nBEGIN;\nDROP TABLE t;\nCOMMIT;\nPRAGMA foreign_keys = ON;\n"},
    {"wal-in-transaction", sqlite_dialect, "PRAGMA journal_mode = WAL;\nCREATE TABLE t (x int);\n",
     "PRAGMA journal_mode = WAL;\nBEGIN;\nCREATE TABLE t (x int);\nCOMMIT;\n"},
    {"unterminated", postgres_dialect, "SELECT $x$ never closed;\n", "SELECT $x$ closed $x$;\n"},
    {"not-utf8-text", sqlite_dialect, std::string("SELECT 1\0;", 10), "SELECT 1;"},
    {"index-not-concurrently", postgres_dialect, "CREATE INDEX users_email ON users (email);\n",
     "-- sqlmig:no-transaction\nCREATE INDEX CONCURRENTLY users_email ON users (email);\n"},
    {"constraint-not-valid", postgres_dialect,
     "SET lock_timeout = '5s';\nALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (user_id) REFERENCES users (id);\n",
     "SET lock_timeout = '5s';\nALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;\n"},
    {"alter-column-type", postgres_dialect, "SET lock_timeout = '5s';\nALTER TABLE users ALTER COLUMN id TYPE bigint;\n",
     "SET lock_timeout = '5s';\nALTER TABLE users ADD COLUMN id_new bigint;\n"},
    {"add-column-not-null", postgres_dialect, "SET lock_timeout = '5s';\nALTER TABLE users ADD COLUMN age int NOT NULL;\n",
     "SET lock_timeout = '5s';\nALTER TABLE users ADD COLUMN age int NOT NULL DEFAULT 0;\n"},
    {"add-column-volatile-default", postgres_dialect,
     "SET lock_timeout = '5s';\nALTER TABLE users ADD COLUMN token uuid DEFAULT gen_random_uuid();\n",
     "SET lock_timeout = '5s';\nALTER TABLE users ADD COLUMN token uuid;\n"},
    {"set-not-null", postgres_dialect, "SET lock_timeout = '5s';\nALTER TABLE users ALTER COLUMN email SET NOT NULL;\n",
     "SET lock_timeout = '5s';\nALTER TABLE users ADD CONSTRAINT email_nn CHECK (email IS NOT NULL) NOT VALID;\n"},
    {"add-key-without-index", postgres_dialect, "SET lock_timeout = '5s';\nALTER TABLE users ADD PRIMARY KEY (id);\n",
     "SET lock_timeout = '5s';\nALTER TABLE users ADD CONSTRAINT users_pkey PRIMARY KEY USING INDEX users_id;\n"},
    {"rename-or-drop", postgres_dialect, "SET lock_timeout = '5s';\nALTER TABLE users DROP COLUMN nickname;\n",
     "SET lock_timeout = '5s';\nALTER TABLE users ADD COLUMN nickname2 text;\n"},
    {"rename-or-drop", postgres_dialect, "DROP TABLE legacy;\n", "CREATE TABLE legacy2 (x int);\n"},
    {"missing-lock-timeout", postgres_dialect, "ALTER TABLE users ADD COLUMN bio text;\n",
     "SET lock_timeout = '5s';\nALTER TABLE users ADD COLUMN bio text;\n"},
    {"several-exclusive-locks", postgres_dialect,
     "SET lock_timeout = '5s';\nALTER TABLE a ADD COLUMN x int;\nALTER TABLE b ADD COLUMN y int;\n",
     "SET lock_timeout = '5s';\nALTER TABLE a ADD COLUMN x int, ADD COLUMN y int;\n"},
    {"outside-own-transaction", postgres_dialect, "CREATE TABLE a (x int);\nBEGIN;\nCREATE TABLE b (x int);\nCOMMIT;\n",
     "BEGIN;\nCREATE TABLE a (x int);\nCREATE TABLE b (x int);\nCOMMIT;\n"},
    // Session settings around the transaction commit nothing.
    {"outside-own-transaction", postgres_dialect, "BEGIN;\nCREATE TABLE b (x int);\nCOMMIT;\nCREATE TABLE c (x int);\n",
     "SET statement_timeout = '1min';\nBEGIN;\nCREATE TABLE b (x int);\nCOMMIT;\nRESET statement_timeout;\n"},
    {"outside-own-transaction", sqlite_dialect, "CREATE TABLE a (x);\nBEGIN;\nCREATE TABLE b (x);\nCOMMIT;\n",
     "PRAGMA foreign_keys=OFF;\nBEGIN;\nCREATE TABLE b (x);\nCOMMIT;\nPRAGMA foreign_keys=ON;\n"},
};

std::vector<std::string> rules_found(Dialect dialect, const std::string& up, const std::optional<std::string>& down,
                                     const std::set<std::string>& disabled = {}) {
    Linter linter(LintOptions{dialect, disabled, 0});
    LintMigration m{{"001_a.up.sql", up}, std::nullopt, "a", "a"};
    if (down) {
        m.down = LintFile{"001_a.down.sql", *down};
    }
    linter.add(m);
    std::vector<std::string> out;
    for (const auto& f : linter.findings()) {
        out.push_back(f.rule);
    }
    return out;
}

bool contains(const std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
}

}  // namespace

TEST(Lint, EveryStatementRuleFindsItsBadExampleAndNotItsGoodOne) {
    for (const auto& c : k_cases) {
        SCOPED_TRACE(std::string(c.rule) + ": " + c.bad);
        ASSERT_TRUE(find_lint_rule(c.rule));
        EXPECT_TRUE(contains(rules_found(c.dialect, c.bad, "SELECT 1;"), c.rule));
        EXPECT_FALSE(contains(rules_found(c.dialect, c.good, "SELECT 1;"), c.rule)) << c.good;
    }
}

TEST(Lint, DownsThatForgetWhatTheUpCreatedAndMissingDowns) {
    const std::string up = "CREATE TABLE users (id int);\nCREATE INDEX users_id ON users (id);\n";
    EXPECT_TRUE(contains(rules_found(postgres_dialect, up, "DROP INDEX users_id;\n"), "down-does-not-revert"));
    EXPECT_FALSE(contains(rules_found(postgres_dialect, up, "DROP TABLE users;\n"), "down-does-not-revert"));
    EXPECT_TRUE(contains(rules_found(postgres_dialect, up, std::nullopt), "missing-down"));
    EXPECT_FALSE(contains(rules_found(postgres_dialect, up, "DROP TABLE users;"), "missing-down"));
}

TEST(Lint, TablesCreatedEarlierInTheRunAreNewAndDoNotWarnAboutLocks) {
    Linter linter(LintOptions{postgres_dialect, {}, 0});
    linter.add({{"001_t.up.sql", "CREATE TABLE t (x int);\n"}, LintFile{"001_t.down.sql", "DROP TABLE t;"}, "t", "t"});
    linter.add({{"002_i.up.sql", "CREATE INDEX t_x ON t (x);\nALTER TABLE t ADD COLUMN y int NOT NULL;\n"},
                LintFile{"002_i.down.sql", "DROP INDEX t_x;\nALTER TABLE t DROP COLUMN y;"}, "i", "i"});
    for (const auto& f : linter.findings()) {
        ADD_FAILURE() << format_finding(f);
    }
}

TEST(Lint, SuppressionsCoverAStatementOrTheWholeFileAndUnknownIdsAreErrors) {
    const std::string statement_level = "-- sqlmig:lint-ignore missing-lock-timeout\nALTER TABLE u ADD COLUMN b text;\n"
                                        "ALTER TABLE v ADD COLUMN c text;\n";
    Linter linter(LintOptions{postgres_dialect, {"several-exclusive-locks"}, 0});
    linter.add({{"001_a.up.sql", statement_level}, LintFile{"001_a.down.sql", "SELECT 1"}, "a", "a"});
    std::vector<Finding> found = linter.findings();
    ASSERT_EQ(std::count_if(found.begin(), found.end(), [](const Finding& f) { return f.rule == "missing-lock-timeout"; }), 1);
    const auto it = std::find_if(found.begin(), found.end(), [](const Finding& f) { return f.rule == "missing-lock-timeout"; });
    EXPECT_EQ(it->position.line, 3u);  // the statement without the comment above it
    // Higher up than right above the first statement: the whole file.
    EXPECT_FALSE(contains(rules_found(postgres_dialect, "-- sqlmig:lint-ignore missing-lock-timeout, rename-or-drop\n\n"
                                                         "ALTER TABLE u DROP COLUMN b;\nALTER TABLE v DROP COLUMN c;\n",
                                      "SELECT 1", {"several-exclusive-locks"}),
                          "missing-lock-timeout"));
    EXPECT_TRUE(contains(rules_found(postgres_dialect, "-- sqlmig:lint-ignore no-such-rule\nSELECT 1;\n", "SELECT 1"),
                         "unknown-lint-rule"));
    EXPECT_FALSE(contains(rules_found(postgres_dialect, "ALTER TABLE u ADD COLUMN b text;\n", "SELECT 1",
                                      {"missing-lock-timeout"}),
                          "missing-lock-timeout"));
}

TEST(Lint, MissingLockTimeoutIsNotReportedWhereSqlmigBoundsTheWaits) {
    const auto found = [](const std::string& up) {
        LintOptions options{postgres_dialect, {}, 0};
        options.bounded_lock_waits = true;  // [postgres] lock_retries on (the default)
        Linter linter(options);
        linter.add({{"001_a.up.sql", up}, LintFile{"001_a.down.sql", "SELECT 1"}, "a", "a"});
        std::vector<std::string> rules;
        for (const auto& f : linter.findings()) {
            rules.push_back(f.rule);
        }
        return rules;
    };
    EXPECT_FALSE(contains(found("ALTER TABLE u ADD COLUMN b text;\n"), "missing-lock-timeout"));
    // Each statement of a no-transaction file is bounded and retried alone too.
    EXPECT_FALSE(contains(found("-- sqlmig:no-transaction\nALTER TABLE u ADD COLUMN b text;\n"), "missing-lock-timeout"));
    // Inside a file's own transaction the waits are still the file's to bound.
    EXPECT_TRUE(contains(found("BEGIN;\nALTER TABLE u ADD COLUMN b text;\nCOMMIT;\n"), "missing-lock-timeout"));
}

TEST(Lint, FindingsPointAtTheWord) {
    Linter linter(LintOptions{postgres_dialect, {}, 0});
    linter.add({{"001_a.up.sql", "SET lock_timeout = '1s';\nALTER TABLE users\n    ALTER COLUMN id TYPE bigint;\n"},
                LintFile{"001_a.down.sql", "SELECT 1"}, "a", "a"});
    ASSERT_FALSE(linter.findings().empty());
    const Finding& f = linter.findings().front();
    EXPECT_EQ(format_finding(f), "001_a.up.sql:3:21: warning: changing a column's type rewrites users under an "
                                 "exclusive lock; add a new column and backfill it instead [alter-column-type]");
}

TEST(Lint, APragmaIsSaidOnlyWhereItIsIgnoredAndNeverStopsARun) {
    const std::string set_before_begin = "PRAGMA foreign_keys=OFF;\nBEGIN;\nPRAGMA foreign_keys=OFF;\n"
                                         "CREATE TABLE t (x int);\nCOMMIT;\nPRAGMA foreign_keys=ON;\n";
    EXPECT_FALSE(contains(rules_found(sqlite_dialect, set_before_begin, "SELECT 1;"), "pragma-in-transaction"));
    const std::string only_inside = "BEGIN;\nPRAGMA foreign_keys=OFF;\nCREATE TABLE t (x int);\nCOMMIT;\n";
    EXPECT_TRUE(contains(rules_found(sqlite_dialect, only_inside, "SELECT 1;"), "pragma-in-transaction"));

    Linter linter(LintOptions{sqlite_dialect, {}, 0});
    linter.add_file({"001_a.up.sql", "PRAGMA journal_mode = DELETE;\nCREATE TABLE t (x int);\n"}, Linter::Role::up);
    ASSERT_EQ(linter.findings().size(), 1u);
    EXPECT_EQ(linter.findings()[0].severity, Severity::warning);
    EXPECT_FALSE(refuses_run(linter.findings()[0]));
}

TEST(Lint, OnlyWhatWouldFailRefusesARun) {
    const auto finding = [](const char* rule) { return Finding{"f.sql", {1, 1}, Severity::error, rule, ""}; };
    EXPECT_TRUE(refuses_run(finding("unbalanced-transaction")));
    EXPECT_TRUE(refuses_run(finding("concurrently-in-transaction")));
    EXPECT_TRUE(refuses_run(finding("psql-meta-command")));
    EXPECT_FALSE(refuses_run(finding("unknown-lint-rule")));  // a typo in a comment changes nothing that runs
    for (const auto& rule : lint_rules()) {
        if (rule.severity == Severity::warning) {
            EXPECT_EQ(rule.at_run, AtRun::warn) << rule.id;
        }
    }
}

TEST(Lint, ADownRunOnItsOwnKeepsTheExemptionsOfADown) {
    const std::string down = "SET lock_timeout = '5s';\nALTER TABLE users DROP COLUMN nickname;\nDROP TABLE legacy;\n";
    Linter as_down(LintOptions{postgres_dialect, {}, 0});
    as_down.add_file({"002_a.down.sql", down}, Linter::Role::down);
    for (const auto& f : as_down.findings()) {
        EXPECT_NE(f.rule, "rename-or-drop") << format_finding(f);
    }
    Linter as_up(LintOptions{postgres_dialect, {}, 0});
    as_up.add_file({"002_a.up.sql", down}, Linter::Role::up);
    EXPECT_EQ(std::count_if(as_up.findings().begin(), as_up.findings().end(),
                            [](const Finding& f) { return f.rule == "rename-or-drop"; }),
              2);
}

TEST(Lint, ALockTimeoutFromTheConfigCountsAsSet) {
    LintOptions configured{postgres_dialect, {}, 0};
    configured.lock_timeout_configured = true;
    Linter linter(configured);
    linter.add_file({"001_a.up.sql", "ALTER TABLE users ADD COLUMN bio text;\n"}, Linter::Role::up);
    for (const auto& f : linter.findings()) {
        EXPECT_NE(f.rule, "missing-lock-timeout") << format_finding(f);
    }
    EXPECT_TRUE(contains(rules_found(postgres_dialect, "ALTER TABLE users ADD COLUMN bio text;\n", "SELECT 1;"),
                         "missing-lock-timeout"));
}

TEST(Lint, TablesLockedAreTheTablesTheStatementsAlterOrLock) {
    const std::string up = "-- the pre-flight's tables\n"
                           "ALTER TABLE public.accounts ADD COLUMN note text;\n"
                           "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS i ON ONLY \"Orders\" (id);\n"
                           "CREATE TRIGGER t BEFORE INSERT ON audit FOR EACH ROW EXECUTE FUNCTION f();\n"
                           "TRUNCATE staging;\nLOCK TABLE ledger IN SHARE MODE;\nDROP TABLE IF EXISTS old_things;\n"
                           "UPDATE untouched SET x = 1;\nSELECT * FROM read_only;\n"
                           "CREATE FUNCTION f() RETURNS trigger AS $$ BEGIN ALTER TABLE hidden ADD x int; END $$ "
                           "LANGUAGE plpgsql;\n";
    EXPECT_EQ(tables_locked(up, postgres_dialect),
              (std::set<std::string>{"accounts", "Orders", "audit", "staging", "ledger", "old_things"}));
    EXPECT_TRUE(tables_locked("INSERT INTO a VALUES (1);\n", postgres_dialect).empty());
}
