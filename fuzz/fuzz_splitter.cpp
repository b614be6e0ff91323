// The SQL splitter of each dialect, and the text check. The first byte picks the
// dialect and a chunk size. Properties: feeding the file in chunks gives exactly
// the statements (text and position) of feeding it whole; every statement is a
// non-empty piece of the input, in order; the text check agrees with itself too.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/sql_splitter.hpp"
#include "core/statement_kind.hpp"
#include "core/text_check.hpp"

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
    constexpr Dialect k_dialects[] = {Dialect::postgres, Dialect::sqlite, Dialect::mysql};
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
    const auto p1 = text_problem(sql, sql.size() + 1);
    const auto p2 = text_problem(sql, chunk);
    if (p1.has_value() != p2.has_value() || (p1 && (p1->offset != p2->offset || p1->line != p2->line))) {
        std::abort();
    }
    return 0;
}
