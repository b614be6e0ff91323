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

TEST(BackupNaming, PgDumpVersionsCompareByMajor) {
    const auto v15 = pg_tool_major("pg_dump (PostgreSQL) 15.4 (Debian 15.4-1.pgdg120+1)\n");
    ASSERT_TRUE(v15);
    EXPECT_EQ(v15->text, "15");
    const auto v96 = pg_tool_major("pg_dump (PostgreSQL) 9.6.24");
    ASSERT_TRUE(v96);
    EXPECT_EQ(v96->text, "9.6");
    EXPECT_LT(v96->number, v15->number);
    EXPECT_EQ(pg_tool_major("pg_dump (PostgreSQL) 17devel")->text, "17");
    EXPECT_FALSE(pg_tool_major("command not found"));
    EXPECT_EQ(pg_server_major(150004).number, v15->number);
    EXPECT_EQ(pg_server_major(160000).text, "16");
    EXPECT_EQ(pg_server_major(90624).text, "9.6");
    EXPECT_GT(pg_server_major(160000).number, v15->number);
}

TEST(BackupNaming, MariadbToolReleasesAreReadFromEachVersionLine) {
    const auto old_style = mysql_tool_release("mariadb-dump  Ver 10.19 Distrib 10.11.6-MariaDB, for debian-linux-gnu (x86_64)");
    ASSERT_TRUE(old_style);
    EXPECT_EQ(old_style->number, 1011);
    EXPECT_TRUE(old_style->mariadb);
    EXPECT_EQ(old_style->text, "10.11");
    const auto new_style = mysql_tool_release("mariadb-dump from 11.4.2-MariaDB, client 10.19 for Linux (x86_64)");
    ASSERT_TRUE(new_style);
    EXPECT_EQ(new_style->number, 1104);
    const auto mysql = mysql_tool_release("mysqldump  Ver 8.0.35 for Linux on x86_64 (MySQL Community Server - GPL)");
    ASSERT_TRUE(mysql);
    EXPECT_EQ(mysql->number, 800);
    EXPECT_FALSE(mysql->mariadb);
    EXPECT_FALSE(mysql_tool_release("pg_dump (PostgreSQL) 15.4"));
    EXPECT_FALSE(mysql_tool_release(""));
    EXPECT_EQ(mysql_server_release(101106).number, 1011);
    EXPECT_TRUE(mysql_server_release(101106).mariadb);
    EXPECT_EQ(mysql_server_release(80035).text, "8.0");
    EXPECT_FALSE(mysql_server_release(80035).mariadb);
}

TEST(BackupNaming, RestrictKeyIsPassedOnlyToAPgDumpThatNamesIt) {
    EXPECT_TRUE(sqlmig::backup::pg_dump_has_restrict_key(
        "Options controlling the output content:\n  --restrict-key=RESTRICT_KEY  use provided string as psql "
        "\\restrict key\n"));
    EXPECT_FALSE(
        sqlmig::backup::pg_dump_has_restrict_key("Options controlling the output content:\n  -a, --data-only\n"));
}

TEST(BaselineFromDump, PgDumpLosesPsqlLinesAndSessionSettings) {
    const std::string dump =
        "\\restrict abc\n"
        "-- Dumped from database version 16.4\n"
        "SET statement_timeout = 0;\n"
        "SELECT pg_catalog.set_config('search_path', '', false);\n"
        "SET standard_conforming_strings = on;\n"
        "SET check_function_bodies = false;\n"
        "CREATE TABLE public.t (a text);\n"
        "INSERT INTO public.t VALUES ('SET lock_timeout = 0;');\n"
        "\\unrestrict abc\n";
    EXPECT_EQ(sqlmig::backup::baseline_from_pg_dump(dump),
              "SET LOCAL standard_conforming_strings = on;\n"
              "SET LOCAL check_function_bodies = false;\n"
              "CREATE TABLE public.t (a text);\n"
              "INSERT INTO public.t VALUES ('SET lock_timeout = 0;');\n");
}

TEST(BaselineFromDump, MariadbDumpLosesTheSandboxLineAndDefinersButNotData) {
    const std::string dump =
        "/*M!999999\\- enable the sandbox mode */ \n"
        "/*!50003 CREATE*/ /*!50017 DEFINER=`ro``ot`@`%`*/ /*!50003 TRIGGER t AFTER INSERT ON a FOR EACH ROW SET @x = 1 */;;\n"
        "CREATE DEFINER=`root`@`localhost` PROCEDURE `p`()\n"
        "/*!50013 DEFINER=`root`@`localhost` SQL SECURITY DEFINER */\n"
        "INSERT INTO `a` VALUES ('DEFINER=`root`@`localhost` ');\n";
    EXPECT_EQ(sqlmig::backup::baseline_from_mariadb_dump(dump),
              "/*!50003 CREATE*/ /*!50003 TRIGGER t AFTER INSERT ON a FOR EACH ROW SET @x = 1 */;;\n"
              "CREATE PROCEDURE `p`()\n"
              "/*!50013 SQL SECURITY DEFINER */\n"
              "INSERT INTO `a` VALUES ('DEFINER=`root`@`localhost` ');\n");
}
