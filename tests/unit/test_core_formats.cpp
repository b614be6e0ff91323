// Other tools' folders, read as each tool reads them: versions, file names,
// sections and their markers (docs/formats.md).
#include <gtest/gtest.h>

#include <algorithm>

#include "core/discovery.hpp"
#include "core/format.hpp"
#include "core/script_splitter.hpp"
#include "core/sections.hpp"
#include "core/statement_kind.hpp"
#include "db/postgres/dialect.hpp"

using sqlmig::db::postgres_dialect;

using namespace sqlmig::core;

namespace {

Version dotted(const char* text) {
    auto v = Version::parse_dotted(text);
    EXPECT_TRUE(v) << text;
    return v ? *v : Version();
}

struct Split {
    std::vector<Statement> statements;
    std::string checksum;
    std::string problem;  // "line: message"
    bool no_transaction = false;
    bool found = false;
};

// Fed in small pieces by default: a marker split across chunks must still be one.
Split split(Format format, Section section, const std::string& text, Dialect dialect = postgres_dialect,
            std::size_t chunk = 7) {
    ScriptSplitter s(dialect, format, section);
    Split out;
    for (std::size_t i = 0; i < text.size(); i += chunk) {
        s.feed(std::string_view(text).substr(i, chunk));
        while (auto st = s.next()) {
            out.statements.push_back(std::move(*st));
        }
    }
    s.finish();
    while (auto st = s.next()) {
        out.statements.push_back(std::move(*st));
    }
    if (const auto& p = s.section_problem()) {
        out.problem = std::to_string(p->line) + ": " + p->message;
    }
    out.checksum = s.checksum();
    out.no_transaction = s.sections().no_transaction();
    out.found = s.sections().found();
    return out;
}

std::vector<std::string> texts(const Split& s) {
    std::vector<std::string> out;
    for (const auto& st : s.statements) {
        out.push_back(st.text);
    }
    return out;
}

}  // namespace

TEST(Versions, FlywayComparesPartByPartAsNumbers) {
    EXPECT_LT(dotted("2"), dotted("2.1"));
    EXPECT_LT(dotted("2.1"), dotted("3"));
    EXPECT_LT(dotted("3"), dotted("10"));
    EXPECT_LT(dotted("55.2"), dotted("55.10"));
    EXPECT_EQ(dotted("1"), dotted("1.0"));
    EXPECT_EQ(dotted("1_2"), dotted("1.2"));
    EXPECT_EQ(dotted("01.02").canonical(), "1.2");
    EXPECT_EQ(dotted("1.0.0").canonical(), "1");
    EXPECT_FALSE(Version::parse_dotted("1..2"));
    EXPECT_FALSE(Version::parse_dotted("1.a"));
    EXPECT_FALSE(Version::parse_dotted(""));
}

TEST(Versions, SqlMigrateOrdersByNumberThenNameAndNamesWithoutANumberLast) {
    const Version a = Version::of_file_name("10_b.sql");
    const Version b = Version::of_file_name("10_a.sql");
    const Version c = Version::of_file_name("9_z.sql");
    const Version d = Version::of_file_name("init.sql");
    EXPECT_LT(c, b);
    EXPECT_LT(b, a);
    EXPECT_LT(a, d);
    EXPECT_NE(a, b);  // two files may share a number
    EXPECT_EQ(a.canonical(), "10_b.sql");
}

TEST(Versions, RepeatablesComeAfterEveryVersionInDescriptionOrder) {
    EXPECT_LT(dotted("999999"), Version::repeatable("A view"));
    EXPECT_LT(Version::repeatable("A view"), Version::repeatable("B view"));
    EXPECT_TRUE(Version::repeatable("x").is_repeatable());
}

TEST(Versions, WhatTheTrackingTableStoresReadsBack) {
    for (const Version& v : {*Version::parse("007"), dotted("2.1"), Version::of_file_name("20170620-x.sql"),
                             Version::repeatable("Runs view")}) {
        const auto back = Version::parse_stored(v.canonical());
        ASSERT_TRUE(back) << v.canonical();
        EXPECT_EQ(*back, v) << v.canonical();
    }
    EXPECT_FALSE(Version::parse_stored("drop table"));
    EXPECT_FALSE(Version::parse_stored(""));
}

TEST(FormatNames, GolangMigrateNamesThatSqlmigWouldRefuseAreAcceptedWithAWarning) {
    std::string why;
    const auto p = parse_name(Format::sqlmig, "30_x.up..sql", &why);
    ASSERT_TRUE(p) << why;
    EXPECT_EQ(p->version.canonical(), "30");
    EXPECT_EQ(p->name, "x");
    EXPECT_EQ(p->role, FileRole::up);
    EXPECT_NE(p->warning.find("golang-migrate"), std::string::npos);
    EXPECT_FALSE(parse_name(Format::sqlmig, "30_x.sql", &why));
    EXPECT_FALSE(why.empty());
    const auto c = discover({"29_a.up.sql", "30_x.up..sql", "31_b.up.sql"}, {});
    EXPECT_TRUE(c.errors.empty());
    ASSERT_EQ(c.migrations.size(), 3u);
    EXPECT_EQ(c.warnings.size(), 1u);
}

TEST(FormatNames, GooseTakesSqlAndRefusesGoMigrations) {
    std::string why;
    const auto p = parse_name(Format::goose, "00002_add_email.sql", &why);
    ASSERT_TRUE(p);
    EXPECT_EQ(p->role, FileRole::both);
    EXPECT_EQ(p->name, "add_email");
    EXPECT_FALSE(parse_name(Format::goose, "00003_backfill.go", &why));
    EXPECT_NE(why.find("Go migration"), std::string::npos);
    EXPECT_FALSE(parse_name(Format::goose, "embed.go", &why));
    EXPECT_TRUE(why.empty());  // not a migration: goose skips Go files without a version
    EXPECT_FALSE(parse_name(Format::goose, "00003_x_test.go", &why));
    EXPECT_TRUE(why.empty());
    EXPECT_FALSE(parse_name(Format::goose, "0_zero.sql", &why));
    EXPECT_FALSE(why.empty());
    EXPECT_FALSE(parse_name(Format::goose, "notes.md", &why));
    EXPECT_TRUE(why.empty());
    // A .md note that shares a version with a migration is not one.
    const auto c = discover({"20240131000000_schema_erd.md", "20240131000000_create_new_tables.sql"}, {}, Format::goose);
    EXPECT_TRUE(c.errors.empty());
    ASSERT_EQ(c.migrations.size(), 1u);
    EXPECT_EQ(c.migrations[0].down_file, "20240131000000_create_new_tables.sql");
}

TEST(FormatNames, DbmateTakesAnyNameThatStartsWithDigits) {
    std::string why;
    const auto p = parse_name(Format::dbmate, "20200101120000_create users table.sql", &why);
    ASSERT_TRUE(p) << why;
    EXPECT_EQ(p->version.canonical(), "20200101120000");
    EXPECT_EQ(p->name, "create users table");
    EXPECT_TRUE(parse_name(Format::dbmate, "1.sql", &why));
    EXPECT_FALSE(parse_name(Format::dbmate, "schema.sql", &why));
    EXPECT_FALSE(why.empty());
}

TEST(FormatNames, SqlMigrateKeysOnTheWholeFileName) {
    std::string why;
    const auto c = discover({"1-b.sql", "1-a.sql", "2-c.sql", "README.md"}, {}, Format::sql_migrate);
    EXPECT_TRUE(c.errors.empty());
    ASSERT_EQ(c.migrations.size(), 3u);
    EXPECT_EQ(c.migrations[0].version.canonical(), "1-a.sql");
    EXPECT_EQ(c.migrations[1].version.canonical(), "1-b.sql");
    EXPECT_EQ(c.migrations[0].name, "a");
}

TEST(FormatNames, FlywayVersionedUndoRepeatableAndWhatItSkips) {
    std::string why;
    std::string note;
    auto v = parse_name(Format::flyway, "V2_1__Add_email.sql", &why, &note);
    ASSERT_TRUE(v) << why;
    EXPECT_EQ(v->version.canonical(), "2.1");
    EXPECT_EQ(v->name, "Add email");
    EXPECT_EQ(parse_name(Format::flyway, "U2.1__Add_email.sql", &why)->role, FileRole::down);
    EXPECT_EQ(parse_name(Format::flyway, "R__Runs_view.sql", &why)->role, FileRole::repeatable);
    EXPECT_FALSE(parse_name(Format::flyway, "V1_init.sql", &why));
    EXPECT_NE(why.find("__"), std::string::npos);
    EXPECT_FALSE(parse_name(Format::flyway, "beforeMigrate.sql", &why, &note));
    EXPECT_TRUE(why.empty());
    EXPECT_FALSE(note.empty());
    EXPECT_FALSE(parse_name(Format::flyway, "V57__readme.md", &why));
    EXPECT_TRUE(why.empty());
    EXPECT_FALSE(parse_name(Format::flyway, "V1__init.sql.conf", &why));
    EXPECT_TRUE(why.empty());
    const auto c = discover({"V10__c.sql", "V2__b.sql", "V2.1__b2.sql", "R__view.sql", "U2__b.sql"}, {}, Format::flyway);
    EXPECT_TRUE(c.errors.empty());
    ASSERT_EQ(c.migrations.size(), 4u);
    EXPECT_EQ(c.migrations[0].up_file, "V2__b.sql");
    EXPECT_EQ(c.migrations[0].down_file, "U2__b.sql");
    EXPECT_EQ(c.migrations[1].up_file, "V2.1__b2.sql");
    EXPECT_EQ(c.migrations[2].up_file, "V10__c.sql");
    EXPECT_EQ(c.migrations[3].up_file, "R__view.sql");
}

TEST(GooseSections, MarkersAsGooseReadsThem) {
    const std::string file =
        "-- a note before the up\n"
        "--+goose up\n"
        "CREATE TABLE t (id int);\n"
        "-- +goose   StatementBegin\t\n"
        "CREATE FUNCTION f() RETURNS int AS $$ BEGIN RETURN 1; END $$ LANGUAGE plpgsql;\n"
        "-- +goose StatementEnd\n"
        "-- Migrate the data: not a marker\n"
        "-- +goose DOWN\n"
        "DROP TABLE t;\n";
    const Split up = split(Format::goose, Section::up, file);
    EXPECT_EQ(up.problem, "");
    EXPECT_EQ(texts(up), (std::vector<std::string>{"CREATE TABLE t (id int)",
                                                   "CREATE FUNCTION f() RETURNS int AS $$ BEGIN RETURN 1; END $$ "
                                                   "LANGUAGE plpgsql"}));
    EXPECT_EQ(up.statements[0].start.line, 3u);
    EXPECT_EQ(up.statements[1].start.line, 5u);
    EXPECT_EQ(up.statements[1].words.front(), "CREATE");
    const Split down = split(Format::goose, Section::down, file);
    EXPECT_EQ(texts(down), std::vector<std::string>{"DROP TABLE t"});
    EXPECT_EQ(down.statements[0].start.line, 9u);
}

TEST(GooseSections, WhatGooseRefusesIsAnErrorNamingTheLine) {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {" -- +goose Up\nSELECT 1;\n", "1: the annotation"},
        {"-- +goose Up\n-- +goose Upp\n", "2: unknown annotation"},
        {"-- +goose Up\n-- +goose Up\n", "2: a second"},
        {"SELECT 1;\n-- +goose Up\n", "1: SQL before"},
        {"-- +goose Down\nSELECT 1;\n", "1: '-- +goose Down' must come after"},
        {"-- +goose Up\n-- +goose StatementBegin\nSELECT 1;\n", "2: the file ends inside"},
        {"-- +goose Up\n-- +goose StatementEnd\n", "2: '-- +goose StatementEnd' without"},
        {"-- +goose ENVSUB ON\n-- +goose Up\nSELECT '${X}';\n", "1: '-- +goose ENVSUB ON' is not supported"},
        {"SELECT 1;\n", "1: SQL before"},
        {"-- just a comment\n", "0: the file has no '-- +goose Up'"},
    };
    for (const auto& [file, expected] : cases) {
        const Split s = split(Format::goose, Section::up, file);
        EXPECT_EQ(s.problem.substr(0, expected.size()), expected) << file;
    }
}

TEST(GooseSections, NoTransactionAppliesToBothDirectionsAndAMissingDownIsEmpty) {
    const std::string file = "-- +goose NO TRANSACTION\n-- +goose Up\nCREATE INDEX CONCURRENTLY i ON t (a);\n";
    EXPECT_TRUE(split(Format::goose, Section::up, file).no_transaction);
    const Split down = split(Format::goose, Section::down, file);
    EXPECT_TRUE(down.no_transaction);
    EXPECT_FALSE(down.found);
    EXPECT_TRUE(down.statements.empty());
    EXPECT_EQ(down.problem, "");
}

TEST(Sections, EditingTheDownDoesNotChangeTheUpsChecksum) {
    const std::string before = "-- +goose Up\nCREATE TABLE t (id int);\n-- +goose Down\nDROP TABLE t;\n";
    const std::string after = "-- +goose Up\nCREATE TABLE t (id int);\n-- +goose Down\nDROP TABLE IF EXISTS t;\n";
    EXPECT_EQ(split(Format::goose, Section::up, before).checksum, split(Format::goose, Section::up, after).checksum);
    EXPECT_NE(split(Format::goose, Section::down, before).checksum, split(Format::goose, Section::down, after).checksum);
    const std::string edited_up = "-- +goose Up\nCREATE TABLE t (id bigint);\n-- +goose Down\nDROP TABLE t;\n";
    EXPECT_NE(split(Format::goose, Section::up, before).checksum, split(Format::goose, Section::up, edited_up).checksum);
    // CRLF line ends do not look like an edit.
    const std::string crlf = "-- +goose Up\r\nCREATE TABLE t (id int);\r\n-- +goose Down\r\nDROP TABLE t;\r\n";
    EXPECT_EQ(split(Format::goose, Section::up, before).checksum, split(Format::goose, Section::up, crlf).checksum);
}

TEST(SqlMigrateSections, CaseSensitiveCommandsOptionsAndIgnoredLines) {
    const std::string file =
        "SELECT 'ignored: before any command';\n"
        "-- +migrate Up notransaction\n"
        "CREATE INDEX CONCURRENTLY i ON t (a);\n"
        "-- +migrate StatementBegin\n"
        "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;\n"
        "-- +migrate StatementEnd\n"
        "-- +migrate Down\n"
        "DROP INDEX i;\n"
        "-- +migrate up\n"
        "SELECT 'still the down: commands are case-sensitive';\n";
    const Split up = split(Format::sql_migrate, Section::up, file);
    EXPECT_EQ(up.problem, "");
    EXPECT_TRUE(up.no_transaction);
    EXPECT_EQ(texts(up), (std::vector<std::string>{"CREATE INDEX CONCURRENTLY i ON t (a)",
                                                   "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql"}));
    const Split down = split(Format::sql_migrate, Section::down, file);
    EXPECT_FALSE(down.no_transaction);
    EXPECT_EQ(texts(down), (std::vector<std::string>{"DROP INDEX i", "SELECT 'still the down: commands are case-sensitive'"}));
    EXPECT_NE(split(Format::sql_migrate, Section::up, "-- +migrate up\nSELECT 1;\n").problem, "");
}

// Found by fuzz_splitter: a StatementBegin in the up and its StatementEnd in the down made
// the down drop the statements before it when the file was fed whole.
TEST(SqlMigrateSections, ABlockThatEndsInTheOtherSectionKeepsWhatCameBefore) {
    const std::string file =
        "-- +migrate Up\nCREATE TABLE a (id int);\n-- +migrate StatementBegin\n-- +migrate Down\n"
        "DROP TABLE a;\nDROP TABLE b;\n-- +migrate StatementEnd\nDROP TABLE c;\n";
    for (const std::size_t chunk : {std::size_t{3}, file.size()}) {
        const Split down = split(Format::sql_migrate, Section::down, file, postgres_dialect, chunk);
        EXPECT_EQ(texts(down), (std::vector<std::string>{"DROP TABLE a;\nDROP TABLE b", "DROP TABLE c"}))
            << "chunk " << chunk;
    }
}

TEST(DbmateSections, BlocksOptionsAndOrder) {
    const std::string file =
        "-- a comment first is fine\n"
        "-- migrate:up transaction:false\n"
        "CREATE INDEX CONCURRENTLY i ON t (a);\n"
        "-- Migrate the data: not a marker\n"
        "-- migrate:down\n"
        "DROP INDEX i;\n"
        "-- migrate:up\n"
        "SELECT 'a second up marker is part of the down block, as dbmate reads it';\n";
    const Split up = split(Format::dbmate, Section::up, file);
    EXPECT_EQ(up.problem, "");
    EXPECT_TRUE(up.no_transaction);
    EXPECT_EQ(texts(up), std::vector<std::string>{"CREATE INDEX CONCURRENTLY i ON t (a)"});
    const Split down = split(Format::dbmate, Section::down, file);
    EXPECT_FALSE(down.no_transaction);
    EXPECT_EQ(down.statements.size(), 2u);
    EXPECT_EQ(split(Format::dbmate, Section::up, "-- migrate:down\n-- migrate:up\n").problem.substr(0, 2), "1:");
    EXPECT_NE(split(Format::dbmate, Section::up, "-- migrate:up\nSELECT 1;\n").problem.find("migrate:down"),
              std::string::npos);
    EXPECT_NE(split(Format::dbmate, Section::up, "SELECT 1;\n-- migrate:up\n-- migrate:down\n").problem, "");
    // "-- migrate:upx" is not the marker; "--migrate:up" is.
    EXPECT_NE(split(Format::dbmate, Section::up, "-- migrate:upx\n-- migrate:down\n").problem, "");
    EXPECT_EQ(split(Format::dbmate, Section::up, "--migrate:up\n-- migrate:down\n").problem, "");
}

TEST(Sections, AFileWrittenForAWrappingRunnerThatStepsOutRunsSteppingOut) {
    const std::string file =
        "-- +goose Up\nCREATE TABLE t (a int);\nCOMMIT;\nCREATE INDEX CONCURRENTLY i ON t (a);\nBEGIN;\n"
        "-- +goose Down\nDROP TABLE t;\n";
    FileAnalysis analysis(postgres_dialect, 150000);
    for (const auto& s : split(Format::goose, Section::up, file).statements) {
        analysis.add(s);
    }
    EXPECT_EQ(analysis.decide("f", false, OuterTransaction::expected), TransactionMode::stepping_out);
    EXPECT_THROW((void)analysis.decide("f", false, OuterTransaction::none), std::exception);
}

TEST(DetectFormat, NamesAndUpMarkersTellWhichToolsFolderItIs) {
    using sqlmig::core::detect_format;
    using sqlmig::core::FileHead;
    using sqlmig::core::Format;
    const auto format_of = [](std::vector<FileHead> files) {
        const auto d = detect_format(files);
        return d ? std::string(sqlmig::core::format_name(d->format)) : std::string("none");
    };
    EXPECT_EQ(format_of({{"1_a.up.sql", ""}, {"1_a.down.sql", ""}}), "sqlmig");
    EXPECT_EQ(format_of({{"V1__a.sql", "CREATE TABLE a (id int);"}, {"R__views.sql", ""}}), "flyway");
    EXPECT_EQ(format_of({{"20240103120000_a.sql", "-- migrate:up\nCREATE TABLE a (id int);\n-- migrate:down\n"}}),
              "dbmate");
    EXPECT_EQ(format_of({{"00001_a.sql", "-- +goose Up\n-- +goose StatementBegin\n"}}), "goose");
    EXPECT_EQ(format_of({{"00001_a.sql", "--+GOOSE UP\n"}}), "goose");
    EXPECT_EQ(format_of({{"1_a.sql", "-- comment\n-- +migrate Up notransaction\nSELECT 1;\n"}}), "sql-migrate");
    EXPECT_EQ(format_of({{"1_a.sql", "SELECT 1; -- migrate:up\n"}, {"README.md", "-- migrate:up\n"}}), "none");
    EXPECT_EQ(format_of({{"-- migrate:upx.sql", ""}, {"a.sql", "-- migrate:upgrade\n"}}), "none");
    // The most votes win; the evidence names the first file.
    const auto mixed =
        detect_format({{"1_a.sql", "-- +goose Up\n"}, {"2_b.sql", "-- migrate:up\n"}, {"3_c.sql", "-- +goose Up\n"}});
    ASSERT_TRUE(mixed);
    EXPECT_EQ(mixed->format, Format::goose);
    EXPECT_EQ(mixed->evidence, "1_a.sql has '-- +goose Up'");
}
