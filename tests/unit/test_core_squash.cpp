// Squash (core/squash.hpp): the baseline's header, the folder checks, the squash plan, and
// what a baseline means to build_status, find_drift, plan_up and plan_down.

#include <gtest/gtest.h>

#include "core/plan.hpp"
#include "core/squash.hpp"
#include "util/error.hpp"

using namespace sqlmig::core;

namespace {

Migration migration(const std::string& version, const std::string& name = "") {
    Migration m;
    m.version = *Version::parse(version);
    m.name = name.empty() ? "m" + version : name;
    m.up_file = version + "_" + m.name + ".up.sql";
    m.down_file = version + "_" + m.name + ".down.sql";
    m.checksum = "sha256:" + m.name;
    return m;
}

// The folder after `squash --to 003`: 003_baseline (squashes 001..003, no down) and 004.
std::vector<Migration> squashed_folder() {
    Migration baseline = migration("003", "baseline");
    baseline.down_file.reset();
    baseline.squashes_from = *Version::parse("001");
    return {baseline, migration("004")};
}

AppliedRow row(const std::string& version, const std::string& checksum) {
    AppliedRow r;
    r.version = *Version::parse(version);
    r.name = "m" + version;
    r.checksum = checksum;
    return r;
}

// What the old files 001..n recorded (their checksums are not the baseline's).
std::vector<AppliedRow> old_rows(int upto) {
    std::vector<AppliedRow> rows;
    for (int v = 1; v <= upto; ++v) {
        rows.push_back(row("00" + std::to_string(v), "sha256:old" + std::to_string(v)));
    }
    return rows;
}

}  // namespace

TEST(BaselineHeader, RoundTripsAndNamesAWrongRange) {
    const Migration baseline = squashed_folder()[0];
    std::string why;
    const auto first = parse_baseline_header(baseline_header(*Version::parse("001"), baseline.version) + "SELECT 1;\n",
                                             baseline, &why);
    ASSERT_TRUE(first);
    EXPECT_EQ(first->text(), "001");
    EXPECT_TRUE(why.empty());
    EXPECT_FALSE(parse_baseline_header("-- an ordinary comment\n", baseline, &why));
    EXPECT_TRUE(why.empty());
    EXPECT_FALSE(parse_baseline_header("-- sqlmig:baseline squashes 001..002\n", baseline, &why));
    EXPECT_EQ(why, "its first line '-- sqlmig:baseline squashes 001..002' must name the versions it squashes as "
                   "FIRST..003 (FIRST not after 003)");
    EXPECT_FALSE(parse_baseline_header("-- sqlmig:baseline squashes 004..003\n", baseline, &why));
    EXPECT_FALSE(why.empty());
}

TEST(BaselineFolder, RefusesAFileInsideTheSquashedRange) {
    Catalog catalog;
    catalog.migrations = squashed_folder();
    catalog.migrations.insert(catalog.migrations.begin(), migration("002"));
    check_baselines(catalog);
    ASSERT_EQ(catalog.errors.size(), 1u);
    EXPECT_NE(catalog.errors[0].message.find("002_m002.up.sql has a version inside 001..003"), std::string::npos)
        << catalog.errors[0].message;
}

TEST(BaselineStatus, FreshDatabaseRunsTheBaselineThenTheRest) {
    const auto files = squashed_folder();
    const Status s = build_status(files, {});
    EXPECT_TRUE(find_drift(s).empty());
    const auto steps = plan_up(s, "head", false);
    ASSERT_EQ(steps.size(), 2u);
    EXPECT_EQ(steps[0].migration->name, "baseline");
    EXPECT_EQ(steps[1].migration->version.text(), "004");
}

TEST(BaselineStatus, DatabaseMigratedByTheOldFilesCountsTheBaselineApplied) {
    const auto files = squashed_folder();
    const auto rows = old_rows(3);
    const Status s = build_status(files, rows);
    ASSERT_EQ(s.entries.size(), 4u);
    EXPECT_EQ(s.entries[0].state, EntryState::squashed);
    EXPECT_EQ(s.entries[1].state, EntryState::squashed);
    EXPECT_EQ(s.entries[2].state, EntryState::applied);  // the old 003's checksum: no drift
    EXPECT_EQ(s.entries[3].state, EntryState::pending);
    EXPECT_TRUE(find_drift(s).empty());
    EXPECT_FALSE(match_history(s).from_another_folder());
    const auto steps = plan_up(s, "head", false);
    ASSERT_EQ(steps.size(), 1u);
    EXPECT_EQ(steps[0].migration->version.text(), "004");
}

TEST(BaselineStatus, EditedBaselineOnADatabaseItMadeIsModified) {
    const auto files = squashed_folder();
    const std::vector<AppliedRow> rows = {row("003", "sha256:before-the-edit")};  // the status points into them
    const Status s = build_status(files, rows);
    EXPECT_EQ(s.entries[0].state, EntryState::modified);
    EXPECT_EQ(find_drift(s).size(), 1u);
}

TEST(BaselineStatus, DatabasePartWayThroughTheRangeIsRefusedNamingTheOldFiles) {
    const auto files = squashed_folder();
    const auto rows = old_rows(2);  // the status points into them
    const Status s = build_status(files, rows);
    const auto drift = find_drift(s);
    ASSERT_EQ(drift.size(), 1u);
    EXPECT_NE(drift[0].find("applied 001 and 002 of the migrations that 003_baseline.up.sql squashes"),
              std::string::npos) << drift[0];
    EXPECT_NE(drift[0].find("squashed/"), std::string::npos) << drift[0];
}

TEST(BaselineDown, RefusedAcrossABaselineWithoutADown) {
    const auto files = squashed_folder();
    auto rows = std::vector<AppliedRow>{row("003", "sha256:baseline"), row("004", "sha256:m004")};
    const Status fresh = build_status(files, rows);
    EXPECT_EQ(plan_down(fresh, "").size(), 1u);  // 004 has its down
    try {
        plan_down(fresh, "base");
        FAIL() << "reverted a baseline without a down";
    } catch (const sqlmig::RefusedError& e) {
        EXPECT_NE(std::string(e.what()).find("it is a baseline (squashes 001..003) without a down"), std::string::npos)
            << e.what();
    }
    auto old = old_rows(3);
    old.push_back(row("004", "sha256:m004"));
    EXPECT_THROW(plan_down(build_status(files, old), "base"), sqlmig::RefusedError);
}

TEST(BaselineDown, AHandWrittenDownRevertsADatabaseTheBaselineMade) {
    auto files = squashed_folder();
    files[0].down_file = "003_baseline.down.sql";
    const std::vector<AppliedRow> fresh_rows = {row("003", "sha256:baseline"), row("004", "sha256:m004")};
    const Status fresh = build_status(files, fresh_rows);
    const auto steps = plan_down(fresh, "base");
    ASSERT_EQ(steps.size(), 2u);
    EXPECT_EQ(steps[1].migration->name, "baseline");
}

TEST(SquashPlan, ReplaysUpToTheTargetAndRefusesBadTargets) {
    Catalog catalog;
    catalog.migrations = {migration("001"), migration("002"), migration("003")};
    const SquashPlan plan = plan_squash(catalog, "2");
    ASSERT_EQ(plan.replay.size(), 2u);
    EXPECT_EQ(plan.first.text(), "001");
    EXPECT_EQ(plan.target->version.text(), "002");
    EXPECT_THROW(plan_squash(catalog, "9"), sqlmig::UsageError);
    EXPECT_THROW(plan_squash(catalog, "x"), sqlmig::UsageError);
    EXPECT_THROW(plan_squash(catalog, "001"), sqlmig::RefusedError);  // nothing to squash
    Catalog squashed;
    squashed.migrations = squashed_folder();
    EXPECT_THROW(plan_squash(squashed, "003"), sqlmig::RefusedError);  // already squashed to it
    const SquashPlan again = plan_squash(squashed, "004");
    EXPECT_EQ(again.first.text(), "001");  // the earlier baseline's range carries on
}

TEST(SquashPlan, SqlMigrateTakesTheFileNameOrItsNumberAndKeepsTheName) {
    Catalog catalog;
    for (const char* file : {"1-init.sql", "2-users.sql", "3-posts.sql"}) {
        Migration m;
        m.version = Version::of_file_name(file);
        m.name = file;
        m.up_file = file;
        m.format = Format::sql_migrate;
        catalog.migrations.push_back(m);
    }
    EXPECT_EQ(plan_squash(catalog, "2-users.sql").target->up_file, "2-users.sql");
    const SquashPlan plan = plan_squash(catalog, "2");
    EXPECT_EQ(plan.first.text(), "1-init.sql");
    const auto file = baseline_file(Format::sql_migrate, plan.first, plan.target->version, "SELECT 1;");
    EXPECT_EQ(file.name, "2-users.sql");
    EXPECT_EQ(file.text, "-- sqlmig:baseline squashes 1-init.sql..2-users.sql\n-- +migrate Up\nSELECT 1;\n");
    Migration baseline = catalog.migrations[1];
    std::string why;
    EXPECT_EQ(parse_baseline_header(file.text, baseline, &why)->text(), "1-init.sql") << why;
}

TEST(BaselineFile, IsWrittenInTheFolderFormat) {
    const Version first = *Version::parse("001");
    const Version last = *Version::parse("007");
    EXPECT_EQ(baseline_file(Format::sqlmig, first, last, "SELECT 1;").name, "007_baseline.up.sql");
    const auto goose = baseline_file(Format::goose, first, last, "SELECT 1;");
    EXPECT_EQ(goose.name, "007_baseline.sql");
    EXPECT_EQ(goose.text, "-- sqlmig:baseline squashes 001..007\n-- +goose Up\nSELECT 1;\n");
    EXPECT_NE(baseline_file(Format::dbmate, first, last, "").text.find("-- migrate:up\n"), std::string::npos);
    EXPECT_EQ(baseline_file(Format::flyway, first, last, "").name, "V007__baseline.sql");
}

// main's statement journal beside a baseline: a version the baseline replaced is never resumed, even
// where a file of that version is still in the folder (a folder check_baselines would refuse) and its
// row has a journal; the baseline itself stays resumable.
TEST(BaselineResume, AVersionTheBaselineReplacedIsNeverResumable) {
    auto files = squashed_folder();
    files.insert(files.begin(), migration("002"));
    auto rows = old_rows(2);
    rows[1].state = k_state_running;
    rows[1].statements_done = 1;
    rows[1].journal_checksum = *files[0].checksum;
    const Status s = build_status(files, rows);
    ASSERT_EQ(s.entries[1].state, EntryState::running);
    ASSERT_NE(s.entries[1].migration, nullptr);
    EXPECT_FALSE(resumable(s.entries[1]));
    rows[1].state = k_state_failed;
    EXPECT_FALSE(resumable_after_repair(build_status(files, rows).entries[1]));

    auto baseline_rows = std::vector<AppliedRow>{row("003", *files[1].checksum)};
    baseline_rows[0].state = k_state_running;
    baseline_rows[0].statements_done = 2;
    baseline_rows[0].journal_checksum = *files[1].checksum;
    const Status made = build_status(files, baseline_rows);
    ASSERT_EQ(made.entries[1].migration, &files[1]);
    EXPECT_EQ(resumable(made.entries[1]), Direction::up);
}
