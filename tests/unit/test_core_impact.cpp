// The pure part of `sqlmig impact`: PostgreSQL's lock conflicts, the estimate and the budgets.
#include <gtest/gtest.h>

#include "core/impact.hpp"

using namespace sqlmig::core;

TEST(Impact, LockConflictsFollowPostgresTable) {
    // Reads (ACCESS SHARE) wait only for ACCESS EXCLUSIVE; writes (ROW EXCLUSIVE) for SHARE and stronger.
    EXPECT_TRUE(pg_blocks_reads(PgLockMode::access_exclusive));
    EXPECT_FALSE(pg_blocks_reads(PgLockMode::exclusive));
    EXPECT_TRUE(pg_blocks_writes(PgLockMode::share));
    EXPECT_TRUE(pg_blocks_writes(PgLockMode::share_row_exclusive));
    EXPECT_FALSE(pg_blocks_writes(PgLockMode::share_update_exclusive));
    EXPECT_FALSE(pg_blocks_writes(PgLockMode::row_exclusive));
    EXPECT_TRUE(pg_locks_conflict(PgLockMode::share_update_exclusive, PgLockMode::share_update_exclusive));
    EXPECT_FALSE(pg_locks_conflict(PgLockMode::share, PgLockMode::share));
    EXPECT_TRUE(pg_locks_conflict(PgLockMode::row_share, PgLockMode::exclusive));
    for (int a = 0; a < 8; ++a) {
        for (int b = 0; b < 8; ++b) {
            EXPECT_EQ(pg_locks_conflict(PgLockMode(a), PgLockMode(b)), pg_locks_conflict(PgLockMode(b), PgLockMode(a)))
                << a << " " << b << ": the table is symmetric";
        }
    }
    EXPECT_EQ(parse_pg_lock_mode("ShareUpdateExclusiveLock"), PgLockMode::share_update_exclusive);
    EXPECT_FALSE(parse_pg_lock_mode("SIReadLock"));
    EXPECT_EQ(pg_lock_name(PgLockMode::share_row_exclusive), "SHARE ROW EXCLUSIVE");
}

TEST(Impact, EstimatesTheHoldFromTheLiveBytesOverTheMeasuredThroughput) {
    const Throughput t{100.0 * 1024 * 1024, 1000.0 * 1024 * 1024, 50.0 * 1024 * 1024, 200000, 0};
    LiveSize size{"public.orders", 310000000, 40LL << 30, 48LL << 30};
    EXPECT_EQ(*estimate_ms(DataWork::rewrite, size, t), 48LL * 1024 * 1000 / 100);  // total bytes for a rewrite
    EXPECT_EQ(*estimate_ms(DataWork::scan, size, t), 40LL * 1024 * 1000 / 1000);   // table bytes for a scan
    EXPECT_EQ(*estimate_ms(DataWork::index_build, size, t), 40LL * 1024 * 1000 / 50);
    EXPECT_FALSE(estimate_ms(DataWork::none, size, t));
    EXPECT_FALSE(estimate_ms(DataWork::rewrite, size, Throughput{}));
    EXPECT_EQ(human_rows(310000000), "310 M rows");
    EXPECT_EQ(human_rows(512), "512 rows");
}

TEST(Impact, BudgetsNameEachStatementOverThem) {
    StatementImpact rewrite;
    rewrite.locks.push_back({"public.orders", "ACCESS EXCLUSIVE", 15, true, true, true});
    rewrite.work = DataWork::rewrite;
    rewrite.work_on = {"public.orders"};
    rewrite.estimate_ms = 660000;
    StatementImpact index;
    index.locks.push_back({"public.orders", "SHARE", 9, false, true, false});
    index.work = DataWork::index_build;
    index.scratch_ms = 20;  // no estimate: the scratch's time counts
    const std::vector<StatementImpact> all{rewrite, index};
    EXPECT_TRUE(check_budget(all, ImpactBudget{}).empty());
    ImpactBudget budget;
    budget.max_access_exclusive = std::chrono::seconds(5);
    budget.max_write_block = std::chrono::milliseconds(10);
    budget.rewrite = RewritePolicy::refuse;
    const auto over = check_budget(all, budget);
    ASSERT_EQ(over.size(), 4u);
    EXPECT_EQ(over[0].budget, "max_access_exclusive");
    EXPECT_EQ(over[0].why, "ACCESS EXCLUSIVE on public.orders held about 11 min 0 s, over 5.0 s");
    EXPECT_EQ(over[1].budget, "max_write_block");
    EXPECT_EQ(over[2].why, "rewrites public.orders");
    EXPECT_EQ(over[3].statement, &all[1]);
    EXPECT_EQ(over[3].why, "SHARE on public.orders held 20 ms (on the scratch database), over 10 ms");
}

TEST(Impact, StatementsOutsideATransactionGetTheDocumentedLock) {
    Statement cic{"CREATE INDEX CONCURRENTLY i ON t (x)", {}, {"CREATE", "INDEX", "CONCURRENTLY", "I", "ON", "T"}};
    EXPECT_EQ(pg_documented_lock(cic).mode, PgLockMode::share_update_exclusive);
    EXPECT_EQ(pg_documented_lock(cic).work, DataWork::index_build);
    Statement full{"VACUUM FULL t", {}, {"VACUUM", "FULL", "T"}};
    EXPECT_EQ(pg_documented_lock(full).mode, PgLockMode::access_exclusive);
    Statement enum_value{"ALTER TYPE mood ADD VALUE 'x'", {}, {"ALTER", "TYPE", "MOOD", "ADD", "VALUE"}};
    EXPECT_FALSE(pg_documented_lock(enum_value).mode);
}

TEST(Impact, LintRulesAreCheckedAgainstTheMeasurement) {
    StatementImpact catalog_only;
    catalog_only.locks.push_back({"public.orders", "ACCESS EXCLUSIVE", 15, true, true, true});
    const auto volatile_default = check_lint_rule("add-column-volatile-default", catalog_only);
    ASSERT_TRUE(volatile_default);
    EXPECT_FALSE(volatile_default->confirmed);
    EXPECT_EQ(volatile_default->measured, "no rewrite");
    StatementImpact rewrite = catalog_only;
    rewrite.work = DataWork::rewrite;
    EXPECT_TRUE(check_lint_rule("alter-column-type", rewrite)->confirmed);
    EXPECT_TRUE(check_lint_rule("index-not-concurrently", rewrite)->confirmed);
    EXPECT_FALSE(check_lint_rule("set-not-null", catalog_only)->confirmed);
    StatementImpact index_build = catalog_only;
    index_build.work = DataWork::index_build;
    EXPECT_TRUE(check_lint_rule("add-key-without-index", index_build)->confirmed);
    EXPECT_EQ(check_lint_rule("add-key-without-index", catalog_only)->measured, "no index build");
    EXPECT_FALSE(check_lint_rule("missing-down", rewrite)) << "a rule impact does not measure";
}

TEST(Impact, MeasurementsReplaceTheGuessesOfTheRulesTheyMeasureOnTheirOwnStatements) {
    StatementImpact rewrite;
    rewrite.file = "migrations/002_a.up.sql";
    rewrite.at = {1, 1};
    rewrite.work = DataWork::rewrite;
    rewrite.locks.push_back({"public.orders", "ACCESS EXCLUSIVE", 15, true, true, true});
    StatementImpact catalog_only = rewrite;
    catalog_only.at = {3, 1};
    catalog_only.work = DataWork::none;
    const std::vector<StatementImpact> measured = {rewrite, catalog_only};
    const std::vector<Finding> findings = {
        {"migrations/002_a.up.sql", {1, 36}, Severity::warning, "alter-column-type",
         "changing a column's type rewrites orders under an exclusive lock; add a new column and backfill it instead"},
        {"migrations/002_a.up.sql", {4, 5}, Severity::warning, "add-column-volatile-default", "a guess; advice"},
        {"migrations/002_a.up.sql", {3, 1}, Severity::warning, "rename-or-drop", "not measured"},
        {"migrations/001_b.up.sql", {1, 1}, Severity::warning, "alter-column-type", "another file's guess"},
    };
    const auto out = with_measurements(findings, measured);
    ASSERT_EQ(out.size(), 4u);
    EXPECT_EQ(out[0].verdict, Verdict::confirmed);
    EXPECT_EQ(out[0].finding.message, "measured on a scratch database: ACCESS EXCLUSIVE on orders (blocks reads and "
                                      "writes), rewrite; add a new column and backfill it instead");
    // Line 4 is inside the statement that starts on line 3, which rewrote nothing.
    EXPECT_EQ(out[1].verdict, Verdict::contradicted);
    EXPECT_EQ(out[1].finding.message, "lint's guess does not hold here: no rewrite measured on a scratch database "
                                      "(ACCESS EXCLUSIVE on orders (blocks reads and writes), no rewrite)");
    EXPECT_EQ(out[2].verdict, Verdict::guessed);
    EXPECT_EQ(out[2].finding.message, "not measured");
    EXPECT_EQ(out[3].verdict, Verdict::guessed) << "a file impact did not measure";
    EXPECT_EQ(out[3].finding.severity, Severity::warning);
}
