#include <gtest/gtest.h>

#include "core/plan.hpp"
#include "util/error.hpp"

using namespace sqlmig::core;

namespace {

Migration migration(const std::string& version, bool with_down = true) {
    Migration m;
    m.version = *Version::parse(version);
    m.name = "m" + version;
    m.up_file = version + "_" + m.name + ".up.sql";
    if (with_down) {
        m.down_file = version + "_" + m.name + ".down.sql";
    }
    m.checksum = "sha256:" + version;
    return m;
}

AppliedRow row(const std::string& version, const std::string& checksum = "", const std::string& state = "applied") {
    AppliedRow r;
    r.version = *Version::parse(version);
    r.name = "m" + version;
    r.checksum = checksum.empty() ? "sha256:" + version : checksum;
    r.state = state;
    return r;
}

std::vector<std::string> versions(const std::vector<Step>& steps) {
    std::vector<std::string> out;
    for (const auto& s : steps) {
        out.push_back(s.migration->version.text());
    }
    return out;
}

using V = std::vector<std::string>;

}  // namespace

TEST(Status, ClassifiesEveryVersion) {
    const std::vector<Migration> files = {migration("1"), migration("2"), migration("3"), migration("5")};
    const std::vector<AppliedRow> rows = {row("1"), row("2", "sha256:other"), row("4"), row("5", "", "failed")};
    const Status s = build_status(files, rows);
    ASSERT_EQ(s.entries.size(), 5u);
    EXPECT_EQ(s.entries[0].state, EntryState::applied);
    EXPECT_EQ(s.entries[1].state, EntryState::modified);
    EXPECT_EQ(s.entries[2].state, EntryState::pending);
    EXPECT_TRUE(s.entries[2].out_of_order);
    EXPECT_EQ(s.entries[3].state, EntryState::missing);
    EXPECT_EQ(s.entries[4].state, EntryState::failed);
    EXPECT_EQ(s.current->text(), "4");
    EXPECT_EQ(find_drift(s).size(), 3u);
}

// SQLite returns tracking rows in text order ("10" before "9"), PostgreSQL
// usually in version order; both give the same status.
TEST(Status, RowsInAnyOrderGiveTheSameStatus) {
    const std::vector<Migration> files = {migration("2"), migration("9"), migration("10"), migration("11")};
    for (const auto& rows : {std::vector<AppliedRow>{row("10"), row("11"), row("2"), row("9")},
                             std::vector<AppliedRow>{row("2"), row("9"), row("10"), row("11")}}) {
        const Status s = build_status(files, rows);
        ASSERT_EQ(s.entries.size(), 4u);
        for (std::size_t i = 0; i < 4; ++i) {
            EXPECT_EQ(s.entries[i].state, EntryState::applied) << i;
            ASSERT_TRUE(s.entries[i].row);
            EXPECT_EQ(s.entries[i].row->version, files[i].version) << i;
        }
        EXPECT_EQ(s.current->text(), "11");
    }
}

TEST(PlanUp, AppliesPendingInOrderUpToTheTarget) {
    const std::vector<Migration> files = {migration("1"), migration("2"), migration("10"), migration("11")};
    const std::vector<AppliedRow> rows = {row("1")};
    const Status s = build_status(files, rows);
    EXPECT_EQ(versions(plan_up(s, "", false)), (V{"2", "10", "11"}));
    EXPECT_EQ(versions(plan_up(s, "head", false)), (V{"2", "10", "11"}));
    EXPECT_EQ(versions(plan_up(s, "10", false)), (V{"2", "10"}));
    EXPECT_EQ(versions(plan_up(s, "+1", false)), (V{"2"}));
    EXPECT_THROW(plan_up(s, "7", false), sqlmig::UsageError);
    EXPECT_THROW(plan_up(s, "+0", false), sqlmig::UsageError);
    EXPECT_THROW(plan_up(s, "latest", false), sqlmig::UsageError);
}

TEST(PlanUp, RefusesOutOfOrderUnlessAllowed) {
    const std::vector<Migration> files = {migration("1"), migration("2"), migration("3")};
    const std::vector<AppliedRow> rows = {row("1"), row("3")};
    const Status s = build_status(files, rows);
    EXPECT_THROW(plan_up(s, "", false), sqlmig::RefusedError);
    EXPECT_EQ(versions(plan_up(s, "", true)), (V{"2"}));
}

TEST(PlanDown, RevertsNewestFirst) {
    const std::vector<Migration> files = {migration("1"), migration("2"), migration("3")};
    const std::vector<AppliedRow> rows = {row("1"), row("2"), row("3")};
    const Status s = build_status(files, rows);
    EXPECT_EQ(versions(plan_down(s, "")), (V{"3"}));
    EXPECT_EQ(versions(plan_down(s, "-2")), (V{"3", "2"}));
    EXPECT_EQ(versions(plan_down(s, "1")), (V{"3", "2"}));
    EXPECT_EQ(versions(plan_down(s, "base")), (V{"3", "2", "1"}));
    EXPECT_THROW(plan_down(s, "9"), sqlmig::UsageError);
    EXPECT_THROW(plan_down(s, "-x"), sqlmig::UsageError);
}

TEST(PlanDown, StopsBeforeAnIrreversibleMigration) {
    const std::vector<Migration> files = {migration("1"), migration("2", false), migration("3")};
    const std::vector<AppliedRow> rows = {row("1"), row("2"), row("3")};
    const Status s = build_status(files, rows);
    EXPECT_EQ(versions(plan_down(s, "")), (V{"3"}));
    try {
        plan_down(s, "base");
        FAIL() << "expected RefusedError";
    } catch (const sqlmig::RefusedError& e) {
        EXPECT_NE(std::string(e.what()).find("2_m2.up.sql"), std::string::npos) << e.what();
    }
}

TEST(PlanStamp, RecordsUpToTheTargetAndRemovesAbove) {
    const std::vector<Migration> files = {migration("1"), migration("2"), migration("3")};
    {
        const std::vector<AppliedRow> rows;
        const Status s = build_status(files, rows);
        const auto p = plan_stamp(s, "2");
        ASSERT_EQ(p.record.size(), 2u);
        EXPECT_EQ(p.record[1]->version.text(), "2");
        EXPECT_TRUE(p.remove.empty());
        EXPECT_EQ(plan_stamp(s, "head").record.size(), 3u);
    }
    {
        const std::vector<AppliedRow> rows = {row("1"), row("2"), row("3")};
        const Status s = build_status(files, rows);
        const auto p = plan_stamp(s, "1");
        EXPECT_TRUE(p.record.empty());
        ASSERT_EQ(p.remove.size(), 2u);
        EXPECT_EQ(p.remove[0]->version.text(), "3");
        EXPECT_EQ(plan_stamp(s, "base").remove.size(), 3u);
    }
}

TEST(VersionAfter, FollowsTheStepsFromTheCurrentVersion) {
    const std::vector<Migration> ms = {migration("1"), migration("2"), migration("3")};
    const std::vector<AppliedRow> rows = {row("1"), row("2")};
    const Status status = build_status(ms, rows);
    EXPECT_EQ(version_after(status, plan_up(status, "", false))->text(), "3");
    EXPECT_EQ(version_after(status, plan_down(status, ""))->text(), "1");
    EXPECT_FALSE(version_after(status, plan_down(status, "base")));
    EXPECT_EQ(version_after(status, {})->text(), "2");
}
