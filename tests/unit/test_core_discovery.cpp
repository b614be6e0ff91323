#include <gtest/gtest.h>

#include <algorithm>

#include "core/discovery.hpp"

using namespace sqlmig::core;

namespace {
bool any_contains(const std::vector<FolderProblem>& v, const std::string& needle) {
    for (const auto& p : v) {
        if (p.text().find(needle) != std::string::npos) {
            return true;
        }
    }
    return false;
}

bool any_contains(const std::vector<std::string>& v, const std::string& needle) {
    for (const auto& s : v) {
        if (s.find(needle) != std::string::npos) {
            return true;
        }
    }
    return false;
}
}  // namespace

TEST(FileName, AcceptsRealWorldNames) {
    std::string why;
    for (const char* name : {"001_init.up.sql", "1_create-tables.up.sql", "0002_1.7.0_schema.up.sql",
                             "1561558376_x.down.sql", "20260204153000_add email.up.sql", "3_name..up.sql"}) {
        EXPECT_TRUE(parse_file_name(name, &why)) << name << ": " << why;
    }
    const auto p = parse_file_name("0002_1.7.0_schema.up.sql", &why);
    EXPECT_EQ(p->version.canonical(), "2");
    EXPECT_EQ(p->name, "1.7.0_schema");
    EXPECT_EQ(p->role, FileRole::up);
    EXPECT_EQ(parse_file_name("3_name..up.sql", &why)->name, "name.");
}

TEST(FileName, RejectsSqlFilesThatBreakTheGrammar) {
    std::string why;
    for (const char* name : {"4-add.up.sql", "add_users.up.sql", "001.up.sql", "001_.up.sql", "001_users.sql",
                             "001_users.UP.SQL", "v1_users.up.sql"}) {
        EXPECT_FALSE(parse_file_name(name, &why)) << name;
        EXPECT_FALSE(why.empty()) << name;
    }
}

TEST(FileName, IgnoresFilesThatAreNotSql) {
    std::string why;
    for (const char* name : {"README.md", ".gitkeep", "LICENSE", ".#001_x.up.sql"}) {
        EXPECT_FALSE(parse_file_name(name, &why)) << name;
        EXPECT_TRUE(why.empty()) << name;
    }
}

TEST(Discover, OrdersNumericallyAndPairsByVersion) {
    const auto c = discover({"10_b.up.sql", "9_a.up.sql", "9_a.down.sql", "10_other.down.sql", "README.md"}, {});
    ASSERT_TRUE(c.errors.empty());
    ASSERT_EQ(c.migrations.size(), 2u);
    EXPECT_EQ(c.migrations[0].version.text(), "9");
    EXPECT_EQ(c.migrations[1].version.text(), "10");
    EXPECT_EQ(c.migrations[1].down_file, "10_other.down.sql");
    EXPECT_TRUE(any_contains(c.warnings, "different names"));
}

TEST(Discover, UpWithoutDownIsIrreversibleNotAnError) {
    const auto c = discover({"1_a.up.sql"}, {});
    ASSERT_TRUE(c.errors.empty());
    EXPECT_FALSE(c.migrations[0].down_file);
}

TEST(Discover, ReportsDuplicateVersionsNamingBothFiles) {
    const auto c = discover({"003_a.up.sql", "3_b.up.sql"}, {});
    ASSERT_EQ(c.errors.size(), 1u);
    EXPECT_TRUE(any_contains(c.errors, "003_a.up.sql"));
    EXPECT_TRUE(any_contains(c.errors, "3_b.up.sql"));
    EXPECT_EQ(c.errors[0].file, "") << "about the folder: it names both files";
    EXPECT_EQ(c.errors[0].rule, FolderRule::duplicate_version);
    EXPECT_TRUE(c.migrations.empty());
}

TEST(Discover, ReportsDownWithoutUp) {
    const auto c = discover({"1_a.up.sql", "2_b.down.sql"}, {});
    EXPECT_TRUE(any_contains(c.errors, "2_b.down.sql: down migration without an up"));
    EXPECT_EQ(c.errors.at(0), (FolderProblem{"2_b.down.sql", "down migration without an up migration for version 2",
                                             FolderRule::down_without_up}));
}

TEST(Discover, ReportsTyposUnlessIgnored) {
    const auto typo = discover({"4-add.up.sql"}, {}).errors;
    ASSERT_EQ(typo.size(), 1u);
    EXPECT_EQ(typo[0].file, "4-add.up.sql");
    EXPECT_EQ(typo[0].message.rfind("not a valid migration file name: ", 0), 0u) << typo[0].message;
    EXPECT_EQ(typo[0].rule, FolderRule::bad_file_name);
    EXPECT_TRUE(discover({"4-add.up.sql", "seed.sql"}, {"*-add.up.sql", "seed.sql"}).errors.empty());
}

TEST(Discover, FindMigrationByVersion) {
    const auto c = discover({"1_a.up.sql", "2_b.up.sql", "10_c.up.sql"}, {});
    EXPECT_EQ(find_migration(c.migrations, *Version::parse("010"))->name, "c");
    EXPECT_EQ(find_migration(c.migrations, *Version::parse("3")), nullptr);
}

// The folder's order (readdir's, a hash order) must not show: the same files in
// any order give the same migrations and the same messages in the same order.
TEST(Discover, SameResultWhateverTheFolderOrder) {
    std::vector<std::string> names = {"3_c.up.sql", "3_b.up.sql", "10_j.up.sql", "2_a.down.sql", "2_a.up.sql",
                                      "9-typo.up.sql", "1-typo.up.sql", "7_x.down.sql", "3_a.up.sql"};
    const auto expected = discover(names, {});
    ASSERT_EQ(expected.errors.size(), 4u);
    EXPECT_EQ(expected.errors[0].text().rfind("1-typo.up.sql", 0), 0u) << expected.errors[0].text();
    EXPECT_EQ(expected.errors[1].text().rfind("9-typo.up.sql", 0), 0u) << expected.errors[1].text();
    EXPECT_NE(expected.errors[2].message.find("3_a.up.sql, 3_b.up.sql, 3_c.up.sql"), std::string::npos)
        << expected.errors[2].message;
    EXPECT_EQ(expected.errors[3].text().rfind("7_x.down.sql", 0), 0u) << expected.errors[3].text();
    ASSERT_EQ(expected.migrations.size(), 2u);
    EXPECT_EQ(expected.migrations[0].up_file, "2_a.up.sql");
    EXPECT_EQ(expected.migrations[0].down_file, "2_a.down.sql");
    EXPECT_EQ(expected.migrations[1].up_file, "10_j.up.sql");
    for (int turn = 0; turn < 20; ++turn) {
        std::rotate(names.begin(), names.begin() + 1, names.end());
        if (turn % 3 == 0) {
            std::reverse(names.begin(), names.end());
        }
        const auto c = discover(names, {});
        EXPECT_EQ(c.errors, expected.errors);
        ASSERT_EQ(c.migrations.size(), expected.migrations.size());
        for (std::size_t i = 0; i < c.migrations.size(); ++i) {
            EXPECT_EQ(c.migrations[i].up_file, expected.migrations[i].up_file);
            EXPECT_EQ(c.migrations[i].down_file, expected.migrations[i].down_file);
        }
    }
}
