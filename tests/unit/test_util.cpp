#include <gtest/gtest.h>

#include "util/json.hpp"
#include "util/text.hpp"

using namespace sqlmig::util;

TEST(RedactUrl, HidesPasswordsInEveryForm) {
    EXPECT_EQ(redact_url("postgres://app:s3cret@db/app"), "postgres://app:***@db/app");
    EXPECT_EQ(redact_url("postgresql://app:p%40ss@db:5432/app?sslmode=require"),
              "postgresql://app:***@db:5432/app?sslmode=require");
    EXPECT_EQ(redact_url("postgres://app:a@b@db/app"), "postgres://app:***@db/app");
    EXPECT_EQ(redact_url("postgres://db/app?user=x&password=hunter2&sslmode=disable"),
              "postgres://db/app?user=x&password=***&sslmode=disable");
    EXPECT_EQ(redact_url("host=db password=hunter2 dbname=app"), "host=db password=*** dbname=app");
    EXPECT_EQ(redact_url("host=db password = 'hun ter2' dbname=app"), "host=db password = *** dbname=app");
    EXPECT_EQ(redact_url("postgres://app@db/app"), "postgres://app@db/app");
    EXPECT_EQ(redact_url("sqlite:///data/app.db"), "sqlite:///data/app.db");
}

// libpq's own messages quote the text it could not parse: the whole URL, or the password alone.
TEST(RedactUrlIn, HidesTheUrlAndItsPasswordsInAnotherProgramsMessage) {
    EXPECT_EQ(redact_url_in("in URI: \"postgres://u:Secr3tPW@[::1/db\"", "postgres://u:Secr3tPW@[::1/db"),
              "in URI: \"postgres://u:***@[::1/db\"");
    EXPECT_EQ(redact_url_in("invalid percent-encoded token: \"Secr3t%zzPW\"", "postgres://u:Secr3t%zzPW@h:5432/db"),
              "invalid percent-encoded token: \"***\"");
    EXPECT_EQ(redact_url_in("bad p@ss and p%40ss", "postgres://u:p%40ss@h/db"), "bad *** and ***");
    EXPECT_EQ(redact_url_in("near 'hun ter2'", "host=h password='hun ter2'"), "near '***'");
    EXPECT_EQ(redact_url_in("token \"hunter2\"", "postgres://h/db?user=x&password=hunter2"), "token \"***\"");
    EXPECT_EQ(redact_url_in("could not connect to server", "postgres://u@h/db"), "could not connect to server");
}

TEST(Printable, EscapesControlBytesKeepsUtf8) {
    EXPECT_EQ(printable("a\nb\x1b[31m"), "a\\x0ab\\x1b[31m");
    EXPECT_EQ(printable("héllo"), "héllo");
}

TEST(Shorten, CutsOnCharactersAndFoldsSpace) {
    EXPECT_EQ(shorten("SELECT\n   1", 20), "SELECT 1");
    EXPECT_EQ(shorten("ééééé", 3), "ééé...");
}

TEST(Json, EscapesAndKeepsKeyOrder) {
    Json doc = Json::object();
    doc.set("b", 1).set("a", "x\"\n\x01").set("n", nullptr).set("l", Json(Json::Array{true, "é"}));
    EXPECT_EQ(doc.dump(-1), R"({"b":1,"a":"x\"\n\u0001","n":null,"l":[true,"é"]})");
    EXPECT_EQ(json_quote("\xff"), "\"\xEF\xBF\xBD\"");  // U+FFFD, as UTF-8
}

TEST(TextHelpers, CountCharactersTakeFirstLinesAndTailsOfToolOutput) {
    EXPECT_EQ(char_count("héllo"), 5u);
    EXPECT_EQ(char_count(""), 0u);
    EXPECT_EQ(first_line("one\ntwo"), "one");
    EXPECT_EQ(first_line("only"), "only");
    EXPECT_EQ(stderr_tail("  \n"), "");
    EXPECT_EQ(stderr_tail("pg_dump: error: x\n"), ":\npg_dump: error: x");
    const std::string long_err(5000, 'e');
    EXPECT_EQ(stderr_tail(long_err).size(), 2u + 3u + 2000u);
}

TEST(EditDistance, CountsInsertsDeletesReplacementsAndSwapsIgnoringCase) {
    EXPECT_EQ(edit_distance("status", "status"), 0u);
    EXPECT_EQ(edit_distance("stauts", "status"), 1u);  // two neighbours swapped
    EXPECT_EQ(edit_distance("databse", "database"), 1u);
    EXPECT_EQ(edit_distance("stamp", "status"), 3u);
    EXPECT_EQ(edit_distance("", "dir"), 3u);
    EXPECT_EQ(edit_distance("Status", "status"), 0u);
    EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
}

TEST(Nearest, SuggestsTyposAndPrefixesButNotUnrelatedWords) {
    const std::vector<std::string> commands = {"init", "new", "up", "down", "redo", "status", "current", "history",
                                               "validate", "check", "stamp", "repair", "adopt", "backup", "backups"};
    EXPECT_EQ(nearest("stauts", commands), "status");
    EXPECT_EQ(nearest("hisotry", commands), "history");
    EXPECT_EQ(nearest("validat", commands), "validate");
    EXPECT_EQ(nearest("STATUS", commands), "status");
    EXPECT_EQ(nearest("dwn", commands), "down");
    EXPECT_EQ(nearest("backupz", commands), "backup");  // the earlier of two at the same distance
    EXPECT_EQ(nearest("frobnicate", commands), "");
    EXPECT_EQ(nearest("x", commands), "");
    EXPECT_EQ(nearest("-x", {"-h", "-q", "-v"}), "");  // too short to guess
    EXPECT_EQ(nearest("-Q", {"-h", "-q", "-v"}), "-q");
    EXPECT_EQ(nearest("status", commands), "");  // never the word itself
    EXPECT_EQ(nearest("directory", {"dir", "table", "ignore", "format"}), "dir");
    EXPECT_EQ(nearest("--databse", {"--config", "--database", "--dir", "--env"}), "--database");
    EXPECT_EQ(nearest("anything", {}), "");
}

TEST(UnitsForPeople, DurationsOverASecondInSecondsAndSizesInTheirUnit) {
    EXPECT_EQ(human_duration(0), "0 ms");
    EXPECT_EQ(human_duration(999), "999 ms");
    EXPECT_EQ(human_duration(1000), "1.0 s");
    EXPECT_EQ(human_duration(18149), "18.1 s");
    EXPECT_EQ(human_duration(599'000), "599.0 s");
    EXPECT_EQ(human_duration(725'400), "12 min 5 s");
    EXPECT_EQ(human_size(512), "512 B");
    EXPECT_EQ(human_size(2048), "2.0 KB");
    EXPECT_EQ(human_size(20'552'089), "19.6 MB");
    EXPECT_EQ(human_size(5ull << 30), "5.0 GB");
}
