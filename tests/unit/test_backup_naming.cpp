#include <gtest/gtest.h>

#include "backup/naming.hpp"

using namespace sqlmig::backup;

TEST(BackupNaming, NamesCarryKindUtcStampDatabaseAndSuffix) {
    EXPECT_EQ(backup_file_name(k_kind_before_migrate, "20261122-101500", "app", 0, "dump"),
              "before-migrate-20261122-101500-app.dump");
    EXPECT_EQ(backup_file_name(k_kind_manual, "20261122-101500", "app", 2, "db"), "manual-20261122-101500-app-2.db");
}

TEST(BackupNaming, DatabaseNamesAreMadeSafeForFileNames) {
    EXPECT_EQ(file_safe_name("app_prod-1.x"), "app_prod-1.x");
    EXPECT_EQ(file_safe_name("../etc/passwd"), "db.._etc_passwd");
    EXPECT_EQ(file_safe_name("my db/ü"), "my_db___");
    EXPECT_EQ(file_safe_name(""), "db");
}

TEST(BackupNaming, ParsesOnlyBackupsOfTheGivenDatabase) {
    const auto b = parse_backup_name("before-migrate-20261122-101500-app-3.dump", "app");
    ASSERT_TRUE(b);
    EXPECT_EQ(b->kind, "before-migrate");
    EXPECT_EQ(b->stamp, "20261122-101500");
    EXPECT_EQ(b->suffix, 3);
    EXPECT_EQ(b->extension, "dump");
    EXPECT_EQ(b->taken_at(), "2026-11-22 10:15:00 UTC");
    // a database whose name starts like ours is another database
    EXPECT_FALSE(parse_backup_name("before-migrate-20261122-101500-app-x.dump", "app"));
    EXPECT_FALSE(parse_backup_name("before-migrate-20261122-101500-app.dump", "ap"));
    EXPECT_TRUE(parse_backup_name("before-migrate-20261122-101500-app-x.dump", "app-x"));
    EXPECT_FALSE(parse_backup_name("before-migrate-2026112-101500-app.dump", "app"));
    EXPECT_FALSE(parse_backup_name("before-migrate-20261122-101500-app.txt", "app"));
    EXPECT_FALSE(parse_backup_name("notes.txt", "app"));
    EXPECT_FALSE(parse_backup_name("before-migrate-20261122-101500-app.dump.tmp", "app"));
}

TEST(BackupNaming, RetentionKeepsTheNewestOfOneKind) {
    const std::vector<std::string> files = {
        "before-migrate-20261120-000000-app.db",   "before-migrate-20261122-000000-app.db",
        "before-migrate-20261122-000000-app-2.db", "before-migrate-20261121-000000-app.db",
        "manual-20261101-000000-app.db",           "before-migrate-20261101-000000-other.db",
    };
    const auto backups = backups_of(files, "app");
    ASSERT_EQ(backups.size(), 5u);
    EXPECT_EQ(backups.front().file, "before-migrate-20261122-000000-app-2.db");  // newest first
    auto doomed = beyond_retention(backups, k_kind_before_migrate, 2);
    std::sort(doomed.begin(), doomed.end());
    EXPECT_EQ(doomed, (std::vector<std::string>{"before-migrate-20261120-000000-app.db",
                                                "before-migrate-20261121-000000-app.db"}));
    EXPECT_TRUE(beyond_retention(backups, k_kind_before_migrate, 0).empty());
    EXPECT_TRUE(beyond_retention(backups, k_kind_before_migrate, 4).empty());
}
