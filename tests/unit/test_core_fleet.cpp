#include <gtest/gtest.h>

#include <map>
#include <functional>
#include <set>

#include "core/fleet.hpp"
#include "util/error.hpp"

using namespace sqlmig::core;

namespace {

std::string error_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const sqlmig::ConfigError& e) {
        return e.what();
    }
    return "(no error)";
}

FleetTarget target(const std::string& name, const std::string& origin = "t.txt:1") {
    return {name, "sqlite:///" + name + ".db", origin, ""};
}

}  // namespace

TEST(FleetTargets, LinesAreNameAndUrlWithCommentsAndBlanks) {
    const auto lines = parse_target_lines("# the EU fleet\n\neu-1 postgres://db1/app\n  eu-2\tpostgres://db2/app  \n", "t.txt");
    ASSERT_EQ(lines.size(), 2u);
    EXPECT_EQ(lines[0].name, "eu-1");
    EXPECT_EQ(lines[0].url, "postgres://db1/app");
    EXPECT_EQ(lines[0].line, 3);
    EXPECT_EQ(lines[1].name, "eu-2");
    EXPECT_EQ(lines[1].url, "postgres://db2/app");
    EXPECT_EQ(lines[1].line, 4);
}

TEST(FleetTargets, BadLinesNameTheirLine) {
    EXPECT_EQ(error_of([] { parse_target_lines("a sqlite:///a.db\nlonely\n", "t.txt"); }),
              "t.txt:2: expected 'NAME URL', found one word ('lonely')");
    EXPECT_NE(error_of([] { parse_target_lines("a sqlite:///a.db extra\n", "t.txt"); }).find("t.txt:1: expected 'NAME URL', found more than two words"),
              std::string::npos);
}

TEST(FleetTargets, NamesAreSafeAsFolderNamesAndUnique) {
    EXPECT_EQ(target_name_problem("tenant_42.eu-west"), "");
    for (const char* bad : {"", "../etc", "a/b", ".hidden", "-x", "_x", "a b", "tenant;rm"}) {
        EXPECT_NE(target_name_problem(bad), "") << bad;
    }
    EXPECT_NE(target_name_problem(std::string(101, 'a')), "");
    EXPECT_EQ(error_of([] { check_targets({target("a", "t.txt:1"), target("b", "t.txt:2"), target("a", "t.txt:7")}, "t.txt"); }),
              "t.txt:7: target 'a' is listed twice (first at t.txt:1); names must be unique: they name each target's "
              "backups and results");
    EXPECT_EQ(error_of([] { check_targets({}, "[fleet] targets_command output"); }),
              "[fleet] targets_command output lists no target; a fleet needs at least one");
    EXPECT_EQ(error_of([] { check_targets({{"a", " ", "t.txt:3", ""}}, "t.txt"); }), "t.txt:3: target 'a' has an empty URL");
}

TEST(FleetShards, TheHashIsFnv1a64AsDocumented) {
    // Reference values of FNV-1a 64 (http://www.isthe.com/chongo/tech/comp/fnv/).
    EXPECT_EQ(fnv1a64(""), 0xcbf29ce484222325ull);
    EXPECT_EQ(fnv1a64("a"), 0xaf63dc4c8601ec8cull);
    EXPECT_EQ(fnv1a64("foobar"), 0x85944171f73967e8ull);
    EXPECT_EQ(shard_of("a", 4), static_cast<int>(0xaf63dc4c8601ec8cull % 4) + 1);
}

TEST(FleetShards, EveryTargetIsInExactlyOneShardAndShardsAreBalanced) {
    std::map<int, int> per_shard;
    for (int i = 0; i < 1000; ++i) {
        const FleetTarget t = target("tenant_" + std::to_string(i));
        int in = 0;
        for (int s = 1; s <= 4; ++s) {
            if (selected(t, {{}, {}, Shard{s, 4}})) {
                ++in;
                ++per_shard[s];
            }
        }
        EXPECT_EQ(in, 1) << t.name;
    }
    for (const auto& [shard, count] : per_shard) {
        EXPECT_GT(count, 200) << "shard " << shard;
        EXPECT_LT(count, 300) << "shard " << shard;
    }
}

TEST(FleetShards, ShardTextIsIOverN) {
    const auto s = parse_shard("2/4");
    ASSERT_TRUE(s);
    EXPECT_EQ(s->index, 2);
    EXPECT_EQ(s->count, 4);
    for (const char* bad : {"", "2", "0/4", "5/4", "1/0", "a/b", "1/4x", "-1/4", "1/10001", "2/ 4"}) {
        EXPECT_FALSE(parse_shard(bad)) << bad;
    }
}

TEST(FleetSelection, OnlyAndExcludeAreGlobsOverNames) {
    const Selection s{{"eu-*", "us-1"}, {"*-canary"}, std::nullopt};
    EXPECT_TRUE(selected(target("eu-1"), s));
    EXPECT_TRUE(selected(target("us-1"), s));
    EXPECT_FALSE(selected(target("us-2"), s));
    EXPECT_FALSE(selected(target("eu-canary"), s));
    EXPECT_TRUE(selected(target("anything"), Selection{}));
}

TEST(FleetExitCodes, AFailureOutranksEverythingAndOkNothing) {
    EXPECT_EQ(worse_exit_code(0, 4), 4);
    EXPECT_EQ(worse_exit_code(4, 3), 3);
    EXPECT_EQ(worse_exit_code(3, 2), 2);
    EXPECT_EQ(worse_exit_code(2, 1), 1);
    EXPECT_EQ(worse_exit_code(1, 4), 1);
    EXPECT_EQ(worse_exit_code(0, 0), 0);
}
