// The engine without a server: one `up` (or down) against the recording stub database, asserting the
// order of the engine's calls and what it records, for each transaction mode and a failure injected at
// each point. Database behaviour is tested against real servers (tests/e2e, tests/integration).

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>

#include "engine/files.hpp"
#include "engine/migrate.hpp"
#include "engine/stamp.hpp"
#include "engine/stub_driver.hpp"
#include "util/error.hpp"

namespace sqlmig::test {
namespace {

namespace fs = std::filesystem;
using Calls = std::vector<std::string>;

class EngineUp : public ::testing::Test {
protected:
    void SetUp() override {
        register_stub_backends();
        spdlog::set_level(spdlog::level::warn);
        stub_database() = StubDatabase{};
        m_dir = fs::temp_directory_path() / ("sqlmig-engine-" + std::to_string(std::random_device{}()));
        fs::create_directories(m_dir / "migrations");
        use_config("stub-tx", "");
    }
    void TearDown() override { fs::remove_all(m_dir); }

    // config.toml for the stub database at `scheme`, with `more` appended (backups off unless it says).
    void use_config(const std::string& scheme, const std::string& more) {
        write("config.toml", "[database]\nurl = \"" + scheme + "://db\"\n[migrations]\ndir = \"migrations\"\n" +
                                 (more.find("[backup]") == std::string::npos ? "[backup]\nenabled = false\n" : "") +
                                 more);
    }
    void write(const std::string& relative, const std::string& text) { std::ofstream(m_dir / relative) << text; }
    void migration(const std::string& name, const std::string& sql) { write("migrations/" + name, sql); }

    // Runs `up` (or another command); returns its error message, "" when it succeeded.
    std::string run(engine::MigrateCommand command = engine::MigrateCommand::up) {
        engine::Context ctx;
        ctx.options.config_path = (m_dir / "config.toml").string();
        ctx.options.config_given = true;
        engine::MigrateResult result;
        try {
            engine::run_migrate(ctx, command, engine::MigrateOptions{}, result);
        } catch (const Error& e) {
            return e.what();
        }
        return "";
    }

    // Runs `stamp TARGET` or `repair`; returns its error message, "" when it succeeded.
    std::string stamp(const std::string& target) {
        return with_context([&](engine::Context& ctx) { engine::stamp(ctx, target); });
    }
    std::string repair(engine::AcceptEdits accept) {
        return with_context([&](engine::Context& ctx) { engine::repair(ctx, accept); });
    }
    template <typename Run>
    std::string with_context(const Run& run) {
        engine::Context ctx;
        ctx.options.config_path = (m_dir / "config.toml").string();
        ctx.options.config_given = true;
        try {
            run(ctx);
        } catch (const Error& e) {
            return e.what();
        }
        return "";
    }

    // The calls, with what the hooks wrote to hooks.log (each hook runs `echo $SQLMIG_HOOK >> hooks.log`)
    // where they ran: before the first call that followed them.
    static Calls calls() { return stub_database().calls; }

    fs::path m_dir;
};

TEST_F(EngineUp, AWrappedFileIsOneTransactionWithItsRecord) {
    migration("001_a.up.sql", "CREATE TABLE a (x int);\nINSERT INTO a VALUES (1);\n");
    migration("002_b.up.sql", "CREATE TABLE b (x int);\n");
    ASSERT_EQ(run(), "");
    EXPECT_EQ(calls(), (Calls{"lock", "begin", "create tracking table", "commit", "read", "begin", "execute CREATE TABLE a (x int)", "execute INSERT INTO a VALUES (1)",
                              "record 1 applied", "commit", "begin", "execute CREATE TABLE b (x int)",
                              "record 2 applied", "commit", "unlock"}));
}

// Calls from the first migration's begin (or its running mark) on: what one file's run does.
Calls from(const Calls& all, const std::string& first) {
    const auto at = std::find(all.begin(), all.end(), first);
    return Calls(at, all.end());
}

bool contains(const Calls& calls, const std::string& prefix) {
    return std::any_of(calls.begin(), calls.end(), [&](const std::string& c) { return c.starts_with(prefix); });
}

TEST_F(EngineUp, ANoTransactionFileIsMarkedRunningThenEachStatementJournaledThenApplied) {
    migration("001_a.up.sql", "-- sqlmig:no-transaction\nCREATE TABLE a (x int);\nCREATE TABLE b (x int);\n");
    ASSERT_EQ(run(), "");
    EXPECT_EQ(from(calls(), "read"),
              (Calls{"read", "begin", "record 1 running", "journal 1", "commit", "begin", "execute CREATE TABLE a (x int)",
                     "journal 1", "commit", "begin", "execute CREATE TABLE b (x int)", "journal 1", "commit",
                     "record 1 applied", "unlock"}));
}

TEST_F(EngineUp, AFileWithItsOwnTransactionCarriesItsRecordBeforeItsCommit) {
    migration("001_a.up.sql", "BEGIN;\nCREATE TABLE a (x int);\nCOMMIT;\n");
    ASSERT_EQ(run(), "");
    EXPECT_EQ(from(calls(), "read"), (Calls{"read", "execute BEGIN", "execute CREATE TABLE a (x int)", "record 1 applied",
                                            "execute COMMIT", "unlock"}));
}

TEST_F(EngineUp, AFailedBeginRunsNothingAndRecordsNothing) {
    migration("001_a.up.sql", "CREATE TABLE a (x int);\n");
    stub_database().fail_at = FailAt::begin;
    stub_database().fail_nth = 2;  // the first begin is the tracking table's
    const std::string error = run();
    EXPECT_NE(error.find("injected failure: begin"), std::string::npos) << error;
    EXPECT_EQ(from(calls(), "read"), (Calls{"read", "fail begin", "unlock"}));
}

TEST_F(EngineUp, AStatementFailingMidFileRollsBackItsFileAndKeepsTheFilesBefore) {
    migration("001_a.up.sql", "CREATE TABLE a (x int);\n");
    migration("002_b.up.sql", "CREATE TABLE b (x int);\nINSERT INTO b VALUES (1);\nINSERT INTO b VALUES (2);\n");
    stub_database().fail_at = FailAt::statement;
    stub_database().fail_nth = 3;  // 002's second statement
    const std::string error = run();
    EXPECT_NE(error.find("002_b.up.sql:2:1"), std::string::npos) << error;
    EXPECT_NE(error.find("nothing of 002_b was applied (rolled back); the migrations before it stay applied"),
              std::string::npos) << error;
    EXPECT_EQ(from(calls(), "read"),
              (Calls{"read", "begin", "execute CREATE TABLE a (x int)", "record 1 applied", "commit", "begin",
                     "execute CREATE TABLE b (x int)", "fail execute INSERT INTO b VALUES (1)", "rollback", "unlock"}));
}

TEST_F(EngineUp, AFailedCommitLeavesTheMigrationUnrecorded) {
    migration("001_a.up.sql", "CREATE TABLE a (x int);\n");
    stub_database().fail_at = FailAt::commit;
    stub_database().fail_nth = 2;  // the first commit is the tracking table's
    const std::string error = run();
    EXPECT_NE(error.find("injected failure: commit"), std::string::npos) << error;
    EXPECT_EQ(from(calls(), "read"), (Calls{"read", "begin", "execute CREATE TABLE a (x int)", "record 1 applied",
                                            "fail commit", "rollback", "unlock"}));
}

TEST_F(EngineUp, AFailedTrackingWriteRollsBackTheMigrationWithIt) {
    migration("001_a.up.sql", "CREATE TABLE a (x int);\n");
    stub_database().fail_at = FailAt::tracking_write;
    const std::string error = run();
    EXPECT_NE(error.find("injected failure: record 1 applied"), std::string::npos) << error;
    EXPECT_EQ(from(calls(), "read"), (Calls{"read", "begin", "execute CREATE TABLE a (x int)", "fail record 1 applied",
                                            "rollback", "unlock"}));
}

// Where DDL commits implicitly, a file of DDL is recorded running first; a failure after a
// statement committed marks it failed, one before any committed removes the mark.
TEST_F(EngineUp, WhereDdlCommitsImplicitlyAFailureAfterACommittedStatementIsRecordedFailed) {
    use_config("stub-implicit", "");
    migration("001_a.up.sql", "CREATE TABLE a (x int);\nCREATE TABLE b (x int);\n");
    stub_database().fail_at = FailAt::statement;
    stub_database().fail_nth = 2;
    const std::string error = run();
    EXPECT_NE(error.find("it is marked failed"), std::string::npos) << error;
    EXPECT_EQ(from(calls(), "read"),
              (Calls{"read", "begin", "record 1 running", "journal 1", "commit", "execute CREATE TABLE a (x int)",
                     "journal 1", "fail execute CREATE TABLE b (x int)", "state 1 failed", "unlock"}));
}

TEST_F(EngineUp, WhereDdlCommitsImplicitlyAFailureBeforeAnyCommitRemovesTheRunningMark) {
    use_config("stub-implicit", "");
    migration("001_a.up.sql", "CREATE TABLE a (x int);\nCREATE TABLE b (x int);\n");
    stub_database().fail_at = FailAt::statement;
    const std::string error = run();
    EXPECT_NE(error.find("nothing of 001_a was applied"), std::string::npos) << error;
    EXPECT_EQ(from(calls(), "read"), (Calls{"read", "begin", "record 1 running", "journal 1", "commit",
                                            "fail execute CREATE TABLE a (x int)", "unrecord 1", "unlock"}));
}

TEST_F(EngineUp, HooksAndTheBackupSurroundTheMigrationsInTheirOrder) {
    use_config("stub-tx", "[backup]\nenabled = true\ndir = \"backups\"\n[hooks]\n"
                          "before_migrate = [\"echo before_migrate >> hooks.log\"]\n"
                          "after_migrate = [\"echo after_migrate >> hooks.log\"]\n"
                          "on_failure = [\"echo on_failure >> hooks.log\"]\n");
    stub_database().hooks_log = m_dir / "hooks.log";
    migration("001_a.up.sql", "CREATE TABLE a (x int);\n");
    ASSERT_EQ(run(), "");
    EXPECT_EQ(from(calls(), "read"), (Calls{"read", "hook before_migrate", "backup", "begin", "execute CREATE TABLE a (x int)",
                                            "record 1 applied", "commit", "hook after_migrate", "unlock"}));
}

TEST_F(EngineUp, AFailedMigrationRunsTheFailureHookAfterItsRollbackAndNotTheAfterHook) {
    use_config("stub-tx", "[backup]\nenabled = true\ndir = \"backups\"\n[hooks]\n"
                          "before_migrate = [\"echo before_migrate >> hooks.log\"]\n"
                          "after_migrate = [\"echo after_migrate >> hooks.log\"]\n"
                          "on_failure = [\"echo on_failure >> hooks.log\"]\n");
    stub_database().hooks_log = m_dir / "hooks.log";
    stub_database().fail_at = FailAt::statement;
    migration("001_a.up.sql", "CREATE TABLE a (x int);\n");
    EXPECT_NE(run(), "");
    sync_hooks();
    EXPECT_EQ(from(calls(), "read"), (Calls{"read", "hook before_migrate", "backup", "begin",
                                            "fail execute CREATE TABLE a (x int)", "rollback", "hook on_failure",
                                            "unlock"}));
}

TEST_F(EngineUp, AFailedBeforeHookRunsNothingAndTakesNoBackup) {
    use_config("stub-tx", "[backup]\nenabled = true\ndir = \"backups\"\n[hooks]\nbefore_migrate = [\"exit 3\"]\n");
    migration("001_a.up.sql", "CREATE TABLE a (x int);\n");
    EXPECT_NE(run().find("nothing was run"), std::string::npos);
    EXPECT_EQ(from(calls(), "read"), (Calls{"read", "unlock"}));
}

TEST_F(EngineUp, ADatabaseWithoutDataGetsNoBackup) {
    use_config("stub-tx", "[backup]\nenabled = true\ndir = \"backups\"\n");
    stub_database().holds_data = false;
    migration("001_a.up.sql", "CREATE TABLE a (x int);\n");
    ASSERT_EQ(run(), "");
    EXPECT_FALSE(contains(calls(), "backup"));
}

std::map<std::string, int> g_reads;  // file name -> passes that read it

void count_read(const fs::path& file) {
    ++g_reads[file.filename().string()];
}

// Counts the reads of each file during a run.
class ReadCount {
public:
    ReadCount() {
        g_reads.clear();
        engine::set_read_observer(count_read);
    }
    ~ReadCount() { engine::set_read_observer(nullptr); }
    ReadCount(const ReadCount&) = delete;
    ReadCount& operator=(const ReadCount&) = delete;
};

// The check, the lint gate, the stored SQL and the run share one read of each file; a down file is
// read once for its stored SQL and its checksum.
TEST_F(EngineUp, EachFileOfARunIsReadOnce) {
    migration("001_a.up.sql", "CREATE TABLE a (x int);\n");
    migration("001_a.down.sql", "DROP TABLE a;\n");
    migration("002_b.up.sql", "-- sqlmig:no-transaction\nCREATE TABLE b (x int);\n");
    const ReadCount counting;
    ASSERT_EQ(run(), "");
    EXPECT_EQ(g_reads, (std::map<std::string, int>{{"001_a.up.sql", 1}, {"001_a.down.sql", 1}, {"002_b.up.sql", 1}}));
}

// A file too large to keep is streamed again when it runs (its hash compared before COMMIT).
TEST_F(EngineUp, AFileTooLargeToKeepIsReadTwice) {
    std::string big;
    while (big.size() <= (std::size_t{1} << 20)) {
        big += "INSERT INTO a VALUES (1);\n";
    }
    migration("001_a.up.sql", big);
    const ReadCount counting;
    ASSERT_EQ(run(), "");
    EXPECT_EQ(g_reads, (std::map<std::string, int>{{"001_a.up.sql", 2}}));
    EXPECT_EQ(calls()[calls().size() - 3], "record 1 applied");
}

// stamp and repair change the tracking table only: under the lock, in one transaction, all or nothing.
TEST_F(EngineUp, StampRecordsEveryVersionInOneTransactionAndRunsNoSql) {
    migration("001_a.up.sql", "CREATE TABLE a (x int);\n");
    migration("002_b.up.sql", "CREATE TABLE b (x int);\n");
    ASSERT_EQ(stamp("head"), "");
    EXPECT_EQ(from(calls(), "read"),
              (Calls{"read", "begin", "record 1 applied", "record 2 applied", "commit", "read", "unlock"}));
}

TEST_F(EngineUp, AStampWhoseSecondRecordFailsRecordsNothing) {
    migration("001_a.up.sql", "CREATE TABLE a (x int);\n");
    migration("002_b.up.sql", "CREATE TABLE b (x int);\n");
    stub_database().fail_at = FailAt::tracking_write;
    stub_database().fail_nth = 2;
    const std::string error = stamp("head");
    EXPECT_NE(error.find("injected failure: record 2 applied"), std::string::npos) << error;
    EXPECT_EQ(from(calls(), "read"), (Calls{"read", "begin", "record 1 applied", "fail record 2 applied", "rollback",
                                            "unlock"}));
}

TEST_F(EngineUp, RepairClearsAFailedMarkAndRefusesEditedFilesWithoutAcceptingThem) {
    migration("001_a.up.sql", "CREATE TABLE a (x int);\n");
    migration("002_b.up.sql", "CREATE TABLE b (x int);\n");
    core::AppliedRow edited;
    edited.version = *core::Version::parse("001");
    edited.name = "a";
    edited.checksum = "sha256:0000";  // not the file's: it was edited after it was applied
    core::AppliedRow failed = edited;
    failed.version = *core::Version::parse("002");
    failed.name = "b";
    failed.state = core::k_state_failed;
    stub_database().rows = {edited, failed};
    const std::string refused = repair(engine::AcceptEdits::no);
    EXPECT_NE(refused.find("these applied migrations were edited"), std::string::npos) << refused;
    const Calls after_refusal = calls();
    EXPECT_EQ(std::count(after_refusal.begin(), after_refusal.end(), "begin"), 1) << "the tracking table's only";
    EXPECT_EQ(std::count(after_refusal.begin(), after_refusal.end(), "unrecord 2"), 0) << "nothing changed";
    stub_database().calls.clear();
    ASSERT_EQ(repair(engine::AcceptEdits::yes), "");
    const Calls done = from(calls(), "read");
    ASSERT_FALSE(done.empty());
    EXPECT_EQ(Calls(done.begin() + 1, done.end()), (Calls{"begin", "unrecord 2", "commit", "unlock"}))
        << "the failed mark is cleared; the accepted checksum is a tracking write the stub does not name";
}

}  // namespace
}  // namespace sqlmig::test
