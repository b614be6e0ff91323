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
