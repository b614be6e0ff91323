// sqlmig fleet over several SQLite files: resuming, keep-going, locked targets, shards and
// merged reports, the target sources and selection, hooks and backups per target.

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <set>
#include <thread>

#include "e2e/cli_test_support.hpp"
#include "e2e/fleet_json.hpp"

namespace fs = std::filesystem;
using sqlmig::test::files_in;
using sqlmig::test::Project;
using sqlmig::test::query_sqlite;
using sqlmig::test::read_text;
using sqlmig::test::json_of;
using sqlmig::test::Result;
using sqlmig::test::results_of;
using sqlmig::test::shell_quote;

namespace {

std::vector<std::string> names(int n, const std::string& prefix = "t") {
    std::vector<std::string> out;
    for (int i = 1; i <= n; ++i) {
        out.push_back(prefix + std::to_string(i));
    }
    return out;
}

// A project whose [fleet] lists data/<name>.db for each name, with two migrations.
struct FleetProject {
    Project project;
    explicit FleetProject(const std::vector<std::string>& targets, const std::string& extra = "[backup]\nenabled = false\n") {
        std::string list;
        for (const auto& t : targets) {
            list += "  { name = \"" + t + "\", url = \"sqlite:///data/" + t + ".db\" },\n";
        }
        project.write_file("config.toml", "[fleet]\ntargets = [\n" + list + "]\n" + extra);
        project.migration("001_users.up.sql", "CREATE TABLE users (id INTEGER PRIMARY KEY);\n");
        project.migration("001_users.down.sql", "DROP TABLE users;\n");
        project.migration("002_email.up.sql", "ALTER TABLE users ADD COLUMN email TEXT;\n");
        project.migration("002_email.down.sql", "ALTER TABLE users DROP COLUMN email;\n");
        fs::create_directories(project.dir() / "data");
    }
    fs::path db(const std::string& name) const { return project.dir() / "data" / (name + ".db"); }
    std::string versions(const std::string& name) const {
        return query_sqlite(db(name), "SELECT version FROM sqlmig_migrations ORDER BY version");
    }
    Result run(const std::vector<std::string>& args, const std::string& env = "") const { return project.run(args, env); }
};



}  // namespace

TEST(FleetSqlite, UpMigratesEveryTargetAndARunAgainResumes) {
    FleetProject f(names(6));
    const Result first = f.run({"fleet", "up", "--json"});
    ASSERT_EQ(first.code, 0) << first.err;
    const auto doc = json_of(first);
    EXPECT_EQ(doc["command"], "up");
    EXPECT_EQ(doc["head"], "002");
    ASSERT_EQ(doc["targets"].size(), 6u);
    for (const auto& t : doc["targets"]) {
        EXPECT_EQ(t["result"], "migrated") << t.dump();
        EXPECT_TRUE(t["from"].is_null());
        EXPECT_EQ(t["to"], "002");
        EXPECT_EQ(t["migrations"], 2);
        EXPECT_EQ(t["url"], "sqlite:///data/" + t["name"].get<std::string>() + ".db");
    }
    for (const auto& n : names(6)) {
        EXPECT_EQ(f.versions(n), "1,2") << n;
    }
    EXPECT_CONTAINS(first.err, "[t3] migrated none -> 002 (2 migrations)");

    // A second run is the resume: nothing outside each target's own tracking table is needed.
    f.project.migration("003_name.up.sql", "ALTER TABLE users ADD COLUMN name TEXT;\n");
    const Result again = f.run({"fleet", "up"});
    ASSERT_EQ(again.code, 0) << again.err;
    EXPECT_CONTAINS(again.out, "6 targets: 6 migrated (head: 003)");
    const Result third = f.run({"fleet", "up"});
    EXPECT_EQ(third.code, 0);
    EXPECT_CONTAINS(third.out, "6 targets: 6 unchanged (head: 003)");
    EXPECT_FALSE(fs::exists(f.project.dir() / "data" / "app.db")) << "the fleet touched no other database";
}

TEST(FleetSqlite, AFailureStopsNewTargetsUnlessKeepGoing) {
    FleetProject f(names(6));
    sqlmig::test::exec_sqlite(f.db("t3"), "CREATE TABLE keep (x INTEGER); ALTER TABLE keep RENAME TO users;");
    const Result stopped = f.run({"fleet", "up", "--parallel", "1", "--json"});
    EXPECT_EQ(stopped.code, 1) << stopped.err;
    const auto doc = json_of(stopped);
    const auto results = results_of(doc);
    EXPECT_EQ(results.at("t1"), "migrated");
    EXPECT_EQ(results.at("t2"), "migrated");
    EXPECT_EQ(results.at("t3"), "failed");
    for (const char* n : {"t4", "t5", "t6"}) {
        EXPECT_EQ(results.at(n), "not started") << n;
        EXPECT_FALSE(fs::exists(f.db(n))) << n << " was not touched";
    }
    const auto& t3 = doc["targets"][2];
    EXPECT_EQ(t3["exit_code"], 1);
    EXPECT_EQ(t3["error_location"]["file"], "migrations/001_users.up.sql");
    EXPECT_EQ(t3["error_location"]["line"], 1);
    EXPECT_CONTAINS(t3["error"].get<std::string>(), "table users already exists");
    EXPECT_EQ(doc["summary"]["not started"], 3);

    const Result kept_going = f.run({"fleet", "up", "--parallel", "2", "--keep-going"});
    EXPECT_EQ(kept_going.code, 1);
    EXPECT_CONTAINS(kept_going.out, "6 targets: 1 failed, 3 migrated, 2 unchanged");
    for (const char* n : {"t4", "t5", "t6"}) {
        EXPECT_EQ(f.versions(n), "1,2") << n;
    }
    EXPECT_EQ(query_sqlite(f.db("t3"), "SELECT count(*) FROM sqlite_master WHERE name = 'sqlmig_migrations'"), "1");
    EXPECT_EQ(f.versions("t3"), "");
}

TEST(FleetSqlite, ReadOnlyCommandsNeverStopEarly) {
    FleetProject f(names(4));
    ASSERT_EQ(f.run({"fleet", "up", "001", "--only", "t1", "--only", "t2"}).code, 0);
    ASSERT_EQ(f.run({"fleet", "up", "--only", "t3"}).code, 0);
    const Result status = f.run({"fleet", "status", "--parallel", "1"});
    EXPECT_EQ(status.code, 0) << status.err;
    EXPECT_CONTAINS(status.out, "002 (head)  1");
    EXPECT_CONTAINS(status.out, "001         2");
    EXPECT_CONTAINS(status.out, "none        1");
    EXPECT_CONTAINS(status.out, "4 targets: 1 at head, 3 behind (head: 002)");
    const Result check = f.run({"fleet", "check", "--json"});
    EXPECT_EQ(check.code, 3) << "check fails while a target is behind";
    EXPECT_EQ(results_of(json_of(check)).size(), 4u);
    EXPECT_EQ(f.run({"fleet", "validate"}).code, 0) << "validate: pending is not drift";
    f.project.migration("001_users.up.sql", "CREATE TABLE users (id INTEGER PRIMARY KEY, edited INTEGER);\n");
    const Result drift = f.run({"fleet", "validate", "--json"});
    EXPECT_EQ(drift.code, 3);
    const auto r = results_of(json_of(drift));
    EXPECT_EQ(r.at("t1"), "drift");
    EXPECT_EQ(r.at("t4"), "behind");
}

TEST(FleetSqlite, ALockedTargetIsReportedAndTheOthersRun) {
    FleetProject f(names(3), "[backup]\nenabled = false\n[hooks]\nbefore_migrate = 'test -z \"$HOLD\" || sleep 4'\n");
    // Another run holds t2's lock, sitting in its before_migrate hook.
    const std::string holder = "cd " + shell_quote(f.project.dir().string()) + " && (HOLD=1 " + shell_quote(SQLMIG_BINARY) +
                               " --database sqlite:///data/t2.db up >hold.out 2>hold.err; echo $? >hold.rc) &";
    ASSERT_EQ(std::system(holder.c_str()), 0);
    for (int i = 0; i < 200 && read_text(f.project.dir() / "hold.err").find("running before_migrate") == std::string::npos; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    const Result fleet = f.run({"fleet", "up", "--json"});
    EXPECT_EQ(fleet.code, 4) << fleet.err;
    const auto r = results_of(json_of(fleet));
    EXPECT_EQ(r.at("t1"), "migrated");
    EXPECT_EQ(r.at("t2"), "locked");
    EXPECT_EQ(r.at("t3"), "migrated");
    EXPECT_CONTAINS(fleet.err, "[t2] locked");
    for (int i = 0; i < 400 && !fs::exists(f.project.dir() / "hold.rc"); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    EXPECT_EQ(read_text(f.project.dir() / "hold.rc"), "0\n");
    EXPECT_CONTAINS(f.run({"fleet", "up"}).out, "3 targets: 3 unchanged");
}

TEST(FleetSqlite, ShardsSplitTheFleetAndReportMergesThem) {
    const auto all = names(12, "tenant-");
    FleetProject f(all);
    std::map<std::string, int> shard_of;
    for (int i = 1; i <= 3; ++i) {
        const std::string shard = std::to_string(i) + "/3";
        const Result r = f.run({"fleet", "up", "--shard", shard, "--json"});
        ASSERT_EQ(r.code, 0) << r.err;
        const auto doc = json_of(r);
        EXPECT_EQ(doc["shard"], shard);
        for (const auto& t : doc["targets"]) {
            const std::string name = t["name"];
            EXPECT_TRUE(shard_of.emplace(name, i).second) << name << " is in two shards";
        }
        f.project.write_file("shard" + std::to_string(i) + ".json", r.out);
    }
    EXPECT_EQ(shard_of.size(), all.size()) << "every target is in one shard";
    for (const auto& n : all) {
        EXPECT_EQ(f.versions(n), "1,2") << n;
    }
    // The same shard again picks the same targets.
    const auto again = json_of(f.run({"fleet", "status", "--shard", "2/3", "--json"}));
    for (const auto& t : again["targets"]) {
        EXPECT_EQ(shard_of.at(t["name"]), 2);
    }

    // More machines than the fleet needs: the empty shards succeed with nothing to do.
    std::size_t seen = 0, empty = 0;
    for (int i = 1; i <= 20; ++i) {
        const Result r = f.run({"fleet", "status", "--shard", std::to_string(i) + "/20", "--json"});
        EXPECT_EQ(r.code, 0) << r.err;
        const std::size_t n = json_of(r)["targets"].size();
        seen += n;
        empty += n == 0;
    }
    EXPECT_EQ(seen, all.size());
    EXPECT_GE(empty, 8u);

    const Result merged = f.run({"fleet", "report", "shard1.json", "shard2.json", "shard3.json", "--json"});
    ASSERT_EQ(merged.code, 0) << merged.err;
    const auto doc = json_of(merged);
    EXPECT_EQ(doc["targets"].size(), all.size());
    EXPECT_EQ(doc["summary"]["migrated"], 12);
    EXPECT_TRUE(doc["shards_missing"].empty());
    const Result table = f.run({"fleet", "report", "shard1.json", "shard2.json", "shard3.json"});
    EXPECT_CONTAINS(table.out, "12 targets: 12 migrated (head: 002)");

    const Result missing = f.run({"fleet", "report", "shard1.json", "shard3.json"});
    EXPECT_EQ(missing.code, 3);
    EXPECT_CONTAINS(missing.err, "shard 2/3 has no report");
    const Result twice = f.run({"fleet", "report", "shard1.json", "shard1.json"});
    EXPECT_EQ(twice.code, 2);
    EXPECT_CONTAINS(twice.err, "shard 1/3 is reported twice");
    f.project.write_file("broken.json", "{\"targets\": 3}");
    const Result broken = f.run({"fleet", "report", "broken.json"});
    EXPECT_EQ(broken.code, 2);
    EXPECT_CONTAINS(broken.err, "broken.json: no fleet command and targets");

    const Result bad_shard = f.run({"fleet", "up", "--shard", "4/3"});
    EXPECT_EQ(bad_shard.code, 2);
    EXPECT_CONTAINS(bad_shard.err, "--shard must be I/N");
}

TEST(FleetSqlite, TargetsFromAFileOrACommandAndSelectedByName) {
    FleetProject f({"unused"});
    f.project.write_file("targets.txt", "# the EU tenants\neu-1 sqlite:///data/eu-1.db\n\neu-2 ${DATA}/eu-2.db\neu-3 sqlite:///data/eu-3.db\n");
    f.project.write_file("config.toml", "[fleet]\ntargets_file = \"targets.txt\"\n[backup]\nenabled = false\n");
    const Result r = f.run({"fleet", "up", "--exclude", "eu-3"}, "DATA=sqlite:///data");
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_CONTAINS(r.out, "2 targets: 2 migrated");
    EXPECT_EQ(f.versions("eu-2"), "1,2");
    EXPECT_FALSE(fs::exists(f.db("eu-3")));
    EXPECT_CONTAINS(f.run({"fleet", "status", "--only", "eu-[13]"}, "DATA=sqlite:///data").out, "2 targets: 1 at head, 1 behind");

    f.project.write_file("targets.txt", "eu-1 sqlite:///data/eu-1.db\neu-1 sqlite:///data/eu-9.db\n");
    const Result twice = f.run({"fleet", "status"});
    EXPECT_EQ(twice.code, 2);
    EXPECT_CONTAINS(twice.err, "sqlmig: error: targets.txt:2: target 'eu-1' is listed twice (first at targets.txt:1)");
    f.project.write_file("targets.txt", "eu-1 sqlite:///data/eu-1.db\neu-2\n");
    EXPECT_CONTAINS(f.run({"fleet", "up"}).err, "targets.txt:2: expected 'NAME URL', found one word ('eu-2')");
    f.project.write_file("targets.txt", "eu-1 nosuch://x\n");
    const Result bad_url = f.run({"fleet", "up"});
    EXPECT_EQ(bad_url.code, 2);
    EXPECT_CONTAINS(bad_url.err, "targets.txt:1: target 'eu-1': ");
    f.project.write_file("targets.txt", "# nobody yet\n");
    EXPECT_CONTAINS(f.run({"fleet", "up"}).err, "lists no target; a fleet needs at least one");
    EXPECT_EQ(f.versions("eu-1"), "1,2") << "nothing ran after a bad list";

    f.project.write_file("config.toml", "[fleet]\ntargets_command = \"printf 'cmd-1 sqlite:///data/cmd-1.db\\\\n'\"\n"
                                        "[backup]\nenabled = false\n");
    const Result cmd = f.run({"fleet", "up"});
    ASSERT_EQ(cmd.code, 0) << cmd.err;
    EXPECT_EQ(f.versions("cmd-1"), "1,2");
    f.project.write_file("config.toml", "[fleet]\ntargets_command = \"echo registry down >&2; exit 7\"\n");
    const Result failing = f.run({"fleet", "status"});
    EXPECT_EQ(failing.code, 2);
    EXPECT_CONTAINS(failing.err, "the command exited with status 7; no target was run");
    EXPECT_CONTAINS(failing.err, "registry down");

    const Result none = f.run({"fleet", "status", "--only", "zz-*"});
    EXPECT_EQ(none.code, 2);
    f.project.write_file("config.toml", "[backup]\nenabled = false\n");
    const Result unconfigured = f.run({"fleet", "status"});
    EXPECT_EQ(unconfigured.code, 2);
    EXPECT_CONTAINS(unconfigured.err, "no fleet is configured: add [fleet] targets");
}

TEST(FleetSqlite, EachTargetHasItsHooksAndItsBackupFolder) {
    FleetProject f(names(3), "[hooks]\nafter_migrate = 'echo \"$SQLMIG_TARGET $SQLMIG_DATABASE_URL\" >> hooks.log'\n");
    for (const auto& n : names(3)) {  // data to back up: a database without any is not backed up
        sqlmig::test::exec_sqlite(f.db(n), "CREATE TABLE seed (x INTEGER); INSERT INTO seed VALUES (1);");
    }
    ASSERT_EQ(f.run({"fleet", "up"}).code, 0);
    const std::string log = read_text(f.project.dir() / "hooks.log");
    for (const auto& n : names(3)) {
        EXPECT_CONTAINS(log, n + " sqlite:///data/" + n + ".db\n");
        const auto backups = sqlmig::test::backup_files_in(f.project.dir() / "backups" / n);
        ASSERT_EQ(backups.size(), 1u) << n;
        EXPECT_CONTAINS(backups[0].filename().string(), "before-migrate-");
    }
    const Result no_backup = f.run({"fleet", "down", "--no-backup"});
    EXPECT_EQ(no_backup.code, 0) << no_backup.err;
    EXPECT_CONTAINS(no_backup.out, "3 targets: 3 reverted");
    EXPECT_EQ(sqlmig::test::backup_files_in(f.project.dir() / "backups" / "t1").size(), 1u);
    EXPECT_EQ(f.versions("t2"), "1");
}

TEST(Fleet, DriftComparesEveryTargetWithOneReplayPerAppliedState) {
    FleetProject f(names(4));
    ASSERT_EQ(f.run({"fleet", "up", "001", "--only", "t4"}).code, 0);
    ASSERT_EQ(f.run({"fleet", "up", "--exclude", "t4"}).code, 0);
    sqlmig::test::exec_sqlite(f.db("t2"), "CREATE INDEX users_email ON users (email)");
    const Result r = f.run({"fleet", "drift", "--json"});
    EXPECT_EQ(r.code, 3) << r.err;
    const auto doc = json_of(r);
    EXPECT_EQ(results_of(doc), (std::map<std::string, std::string>{
                                   {"t1", "at head"}, {"t2", "drift"}, {"t3", "at head"}, {"t4", "behind"}}));
    EXPECT_EQ(doc["replays"], 2) << "t1, t2 and t3 share one replay; t4, at another version, has its own";
    EXPECT_EQ(doc["targets"][1]["error"], "added index users_email");
    const Result text = f.run({"fleet", "drift", "--parallel", "1"});
    EXPECT_EQ(text.code, 3);
    EXPECT_CONTAINS(text.out, "added index users_email");
    EXPECT_CONTAINS(text.out, "replays: 2 for 4 targets (one per applied state)\n");
    sqlmig::test::exec_sqlite(f.db("t2"), "DROP INDEX users_email");
    EXPECT_EQ(f.run({"fleet", "drift"}).code, 0);
}

TEST(Fleet, ATargetTheDriftGateRefusesKeepsTheVersionItIsAt) {
    FleetProject f(names(2), "[backup]\nenabled = false\n[drift]\nbefore_up = \"refuse\"\n");
    ASSERT_EQ(f.run({"fleet", "up", "001"}).code, 0);
    sqlmig::test::exec_sqlite(f.db("t2"), "CREATE TABLE handmade (x INTEGER)");
    const Result r = f.run({"fleet", "up", "--keep-going", "--json"});
    EXPECT_EQ(r.code, 3) << r.err;
    const auto doc = json_of(r);
    EXPECT_EQ(results_of(doc), (std::map<std::string, std::string>{{"t1", "migrated"}, {"t2", "refused"}}));
    const auto& t2 = doc["targets"][1];
    EXPECT_EQ(t2["from"], "001") << t2.dump();
    EXPECT_EQ(t2["to"], "001");
    EXPECT_CONTAINS(t2["error"].get<std::string>(), "added table handmade");
    EXPECT_CONTAINS(t2["error"].get<std::string>(), "'sqlmig fleet drift --only t2' lists them");
    EXPECT_EQ(f.versions("t2"), "1");
    const Result text = f.run({"fleet", "up"});
    EXPECT_EQ(text.code, 3);
    EXPECT_CONTAINS(text.out, "\nt2:\n  the database has drifted");
    EXPECT_CONTAINS(text.out, "\n    added table handmade\n");  // under the table, whole
}
