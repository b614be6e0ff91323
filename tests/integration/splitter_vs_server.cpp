// Differential check of the PostgreSQL splitter against the server's own parser:
// every statement sqlmig finds, sent alone with PQprepare (the extended protocol,
// which parses but does not run, and refuses more than one command), must parse.
// A syntax error or "multiple commands" means the boundaries differ from the
// server's. Errors of meaning (a missing table) are fine: only the grammar is asked.
#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <set>
#include <sstream>

#include "core/sql_splitter.hpp"
#include "support/pg_database.hpp"
#include "db/postgres/dialect.hpp"

using sqlmig::db::postgres_dialect;

namespace fs = std::filesystem;
using sqlmig::core::Dialect;
using sqlmig::core::SqlSplitter;
using sqlmig::core::Statement;

namespace {

std::vector<Statement> split(const std::string& sql, std::size_t chunk) {
    SqlSplitter s(postgres_dialect);
    std::vector<Statement> out;
    for (std::size_t i = 0; i < sql.size(); i += chunk) {
        s.feed(std::string_view(sql).substr(i, chunk));
        while (auto st = s.next()) {
            out.push_back(std::move(*st));
        }
    }
    s.finish();
    while (auto st = s.next()) {
        out.push_back(std::move(*st));
    }
    return out;
}

class Server {
public:
    explicit Server(const std::string& url) : m_conn(PQconnectdb(url.c_str()), &PQfinish) {
        if (PQstatus(m_conn.get()) != CONNECTION_OK) {
            throw std::runtime_error(PQerrorMessage(m_conn.get()));
        }
        PQsetNoticeProcessor(m_conn.get(), [](void*, const char*) {}, nullptr);
    }
    // "" when the server's parser takes the text as one statement, else its complaint.
    std::string grammar_error(const std::string& sql) {
        std::unique_ptr<PGresult, decltype(&PQclear)> r(PQprepare(m_conn.get(), "", sql.c_str(), 0, nullptr), &PQclear);
        if (PQresultStatus(r.get()) == PGRES_COMMAND_OK) {
            return "";
        }
        const char* state = PQresultErrorField(r.get(), PG_DIAG_SQLSTATE);
        const std::string message = PQresultErrorField(r.get(), PG_DIAG_MESSAGE_PRIMARY)
                                        ? PQresultErrorField(r.get(), PG_DIAG_MESSAGE_PRIMARY) : "";
        const bool grammar = state && std::string(state) == "42601" &&
                             (message.starts_with("syntax error") || message.starts_with("cannot insert multiple") ||
                              message.starts_with("unterminated"));
        return grammar ? message : "";
    }

private:
    std::unique_ptr<PGconn, decltype(&PQfinish)> m_conn;
};

// Statements built from every quoting construct, with ';' hidden in each.
std::string generated_statement(std::mt19937& rng) {
    static const std::vector<std::string> pieces = {
        "'a;b'", "'it''s;'", "E'\\';'", "E'\\\\'", "$$x;y$$", "$tag$ ; $not$ ; $tag$", "\"col;umn\"",
        "U&'\\0061;'", "(1; ", "/* c; /* nested; */ still; */ 1", "-- c;\n 1", "'multi\nline;'", "$a$$$a$",
        "B'101'", "X'1F'", "1::text", "ARRAY[';']", "'\\'", "$_$;$_$", "e'\\x41;'",
    };
    std::uniform_int_distribution<std::size_t> pick(0, pieces.size() - 1);
    std::uniform_int_distribution<int> count(1, 4);
    std::string s = "SELECT ";
    const int n = count(rng);
    for (int i = 0; i < n; ++i) {
        std::string piece = pieces[pick(rng)];
        if (piece == "(1; ") {
            piece = "(SELECT 1 WHERE ';' = ';')";
        }
        s += (i ? ", " : "") + piece;
    }
    return s;
}

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

}  // namespace

TEST(SplitterVsServer, GeneratedStatementsSplitWhereThePostgresParserDoes) {
    sqlmig::test::PgDatabase db;
    Server server(db.url());
    std::mt19937 rng(20261201);
    for (int round = 0; round < 200; ++round) {
        std::uniform_int_distribution<int> count(1, 6);
        const int n = count(rng);
        std::string file;
        std::vector<std::string> expected;
        for (int i = 0; i < n; ++i) {
            expected.push_back(generated_statement(rng));
            file += expected.back() + (i % 2 ? ";\n" : " ;  -- trailing; comment\n");
        }
        const auto statements = split(file, 1 + static_cast<std::size_t>(round % 7));
        ASSERT_EQ(statements.size(), expected.size()) << file;
        for (std::size_t i = 0; i < statements.size(); ++i) {
            EXPECT_EQ(statements[i].text, expected[i]);
            EXPECT_EQ(server.grammar_error(statements[i].text), "") << statements[i].text;
        }
    }
}

TEST(SplitterVsServer, RealFoldersSplitWhereThePostgresParserDoes) {
    const fs::path corpus = fs::path(SQLMIG_CORPUS_DIR);
    if (!fs::is_directory(corpus)) {
        const char* ci = std::getenv("CI");
        if (ci && *ci && std::string(ci) != "false" && std::string(ci) != "0") {
            FAIL() << "the corpus folder " << corpus << " is missing in CI";
        }
        GTEST_SKIP() << "no ../shared/corpus beside the repository; the real folders are not tried";
    }
    // Upstream's own syntax errors, each read by hand: a whole file the corpus README
    // names as broken, or file:line of a statement that is wrong as written (all in downs).
    const std::set<std::string> broken_upstream = {
        "20_add-shard-doc-mapping-uid-field.down.sql",   // README: a syntax error upstream
        "20170620104459-contact-constraints.sql",        // README: DROP CONSTRAINT UNIQUE(...)
        "19_add-split-node-id-field.down.sql:3",         // DROP IF EXISTS COLUMN (words swapped)
        "20250408120918_app_config_cols.down.sql:1",     // ALTER TABLE ... ADD ..., ending in a comma
        "20250408120918_app_config_cols.down.sql:2",
        "20250408120918_app_config_cols.down.sql:3",
        "20170619123628-add-constraints.sql:8",          // DROP CONSTRAINT UNIQUE(name)
        "20170619123628-add-constraints.sql:9",
        "20170530135027-schedule-rotation.sql:307",      // a column without a type (its Down section)
        "20170530135027-schedule-rotation.sql:321",      // EXTRACT(DOW FROM TIMESTAMP start)
    };
    sqlmig::test::PgDatabase db;
    Server server(db.url());
    std::size_t checked = 0;
    for (const char* folder : {"quickwit-postgres", "pocket-id-postgres", "ftl-dbmate", "opentdf-goose",
                               "goalert-sqlmigrate", "marquez-flyway"}) {
        for (const auto& entry : fs::directory_iterator(corpus / folder)) {
            if (entry.path().extension() != ".sql" || broken_upstream.count(entry.path().filename().string())) {
                continue;
            }
            for (const auto& s : split(slurp(entry.path()), 4096)) {
                ++checked;
                if (broken_upstream.count(entry.path().filename().string() + ":" + std::to_string(s.start.line))) {
                    EXPECT_NE(server.grammar_error(s.text), "") << "no longer broken: " << s.text;
                    continue;
                }
                EXPECT_EQ(server.grammar_error(s.text), "")
                    << entry.path().filename().string() << ":" << s.start.line << ":" << s.start.column << ": "
                    << s.text.substr(0, 300);
            }
        }
    }
    EXPECT_GT(checked, 1000u);
}
