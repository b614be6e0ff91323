// The SQL splitter of each dialect, the section reader of each format, and the text
// check. The first byte picks the dialect and a chunk size. Properties: feeding the
// file in chunks gives exactly the statements (text and position) of feeding it whole;
// every statement is a non-empty piece of the input, in order; the same holds for each
// format's up and down sections (the ScriptSplitter), with the same checksum and the
// same marker problem; the text check agrees with itself too.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/script_splitter.hpp"
#include "core/sql_splitter.hpp"
#include "core/statement_kind.hpp"
#include "core/text_check.hpp"
#include "db/mariadb/dialect.hpp"
#include "db/postgres/dialect.hpp"
#include "db/sqlite/dialect.hpp"

using sqlmig::db::mariadb_dialect;
using sqlmig::db::postgres_dialect;
using sqlmig::db::sqlite_dialect;

using namespace sqlmig::core;

namespace {

struct Split {
    std::vector<Statement> statements;
    std::optional<Unterminated> open;
};

Split split(std::string_view sql, Dialect dialect, std::size_t chunk) {
    SqlSplitter s(dialect);
    Split out;
    for (std::size_t i = 0; i < sql.size(); i += chunk) {
        s.feed(sql.substr(i, chunk));
        while (auto st = s.next()) {
            out.statements.push_back(std::move(*st));
        }
    }
    s.finish();
    while (auto st = s.next()) {
        out.statements.push_back(std::move(*st));
    }
    out.open = s.unterminated();
    return out;
}

struct ScriptSplit {
    std::vector<Statement> statements;
    std::string checksum;
    std::optional<SectionProblem> problem;
};

ScriptSplit split_script(std::string_view sql, Dialect dialect, Format format, Section section, std::size_t chunk) {
    ScriptSplitter s(dialect, format, section);
    ScriptSplit out;
    for (std::size_t i = 0; i < sql.size(); i += chunk) {
        s.feed(sql.substr(i, chunk));
        while (auto st = s.next()) {
            out.statements.push_back(std::move(*st));
        }
    }
    s.finish();
    while (auto st = s.next()) {
        out.statements.push_back(std::move(*st));
    }
    out.checksum = s.checksum();
    out.problem = s.section_problem();
    return out;
}

// Each format's sections read the same in chunks as whole.
void check_sections(std::string_view sql, Dialect dialect, std::size_t chunk) {
    for (const Format format : {Format::dbmate, Format::goose, Format::sql_migrate}) {
        for (const Section section : {Section::up, Section::down}) {
            const ScriptSplit whole = split_script(sql, dialect, format, section, sql.size() + 1);
            const ScriptSplit pieces = split_script(sql, dialect, format, section, chunk);
            if (whole.statements.size() != pieces.statements.size() || whole.checksum != pieces.checksum ||
                whole.problem.has_value() != pieces.problem.has_value() ||
                (whole.problem && whole.problem->line != pieces.problem->line)) {
                std::abort();
            }
            for (std::size_t i = 0; i < whole.statements.size(); ++i) {
                const Statement& a = whole.statements[i];
                const Statement& b = pieces.statements[i];
                if (a.text != b.text || a.start.line != b.start.line || a.start.column != b.start.column ||
                    a.text.empty()) {
                    std::abort();
                }
            }
        }
    }
}

std::optional<TextProblem> text_problem(std::string_view sql, std::size_t chunk) {
    TextCheck c;
    for (std::size_t i = 0; i < sql.size(); i += chunk) {
        c.feed(sql.substr(i, chunk));
    }
    c.finish();
    return c.problem();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) {
        return 0;
    }
    constexpr Dialect k_dialects[] = {postgres_dialect, sqlite_dialect, mariadb_dialect};
    const Dialect dialect = k_dialects[data[0] % 3];
    const std::size_t chunk = 1 + data[0] / 3;
    const std::string_view sql(reinterpret_cast<const char*>(data) + 1, size - 1);
    const Split whole = split(sql, dialect, sql.size() + 1);
    const Split pieces = split(sql, dialect, chunk);
    if (whole.statements.size() != pieces.statements.size() || whole.open.has_value() != pieces.open.has_value()) {
        std::abort();
    }
    std::size_t from = 0;
    for (std::size_t i = 0; i < whole.statements.size(); ++i) {
        const Statement& a = whole.statements[i];
        const Statement& b = pieces.statements[i];
        if (a.text != b.text || a.start.line != b.start.line || a.start.column != b.start.column || a.text.empty()) {
            std::abort();
        }
        const std::size_t at = sql.find(a.text, from);
        if (at == std::string_view::npos) {
            std::abort();  // not a piece of the input, or out of order
        }
        from = at + a.text.size();
        (void)classify(a, dialect, 150000);
    }
    check_sections(sql, dialect, chunk);
    const auto p1 = text_problem(sql, sql.size() + 1);
    const auto p2 = text_problem(sql, chunk);
    if (p1.has_value() != p2.has_value() || (p1 && (p1->offset != p2->offset || p1->line != p2->line))) {
        std::abort();
    }
    return 0;
}
