// What the dump tools print, read by each backend's dump_text.cpp (moved unchanged from
// test_backup_naming.cpp when the parsing moved into src/db/postgres and src/db/mariadb).
#include <gtest/gtest.h>

#include "db/mariadb/dump_text.hpp"
#include "db/postgres/dump_text.hpp"

using namespace sqlmig::db;

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
    EXPECT_TRUE(pg_dump_has_restrict_key(
        "Options controlling the output content:\n  --restrict-key=RESTRICT_KEY  use provided string as psql "
        "\\restrict key\n"));
    EXPECT_FALSE(
        pg_dump_has_restrict_key("Options controlling the output content:\n  -a, --data-only\n"));
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
    EXPECT_EQ(baseline_from_pg_dump(dump),
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
    EXPECT_EQ(baseline_from_mariadb_dump(dump),
              "/*!50003 CREATE*/ /*!50003 TRIGGER t AFTER INSERT ON a FOR EACH ROW SET @x = 1 */;;\n"
              "CREATE PROCEDURE `p`()\n"
              "/*!50013 SQL SECURITY DEFINER */\n"
              "INSERT INTO `a` VALUES ('DEFINER=`root`@`localhost` ');\n");
}
