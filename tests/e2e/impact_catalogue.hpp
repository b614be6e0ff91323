#pragma once
// The catalogues of `sqlmig impact`'s tests: each case has a table of its own, named t100, t101...;
// "{t}" in a case's text stands for it.

#include <string>

#include "e2e/cli_test_support.hpp"

namespace sqlmig::test {

inline std::string with_table(std::string text, const std::string& table) {
    for (std::size_t at = text.find("{t}"); at != std::string::npos; at = text.find("{t}", at)) {
        text.replace(at, 3, table);
    }
    return text;
}

inline std::string catalogue_table(std::size_t i) {
    return "t" + std::to_string(i + 100);
}

// Writes 001_fixtures.up.sql (for each case its table, made by `fixture`, then the case's setup) and
// 002_catalogue.up.sql (`header`, then each case's statement, one a line). Case has `setup` and `statement`.
template <class Case, std::size_t N>
void write_catalogue(Project& project, const Case (&cases)[N], const std::string& fixture, const std::string& header) {
    std::string setup, statements = header;
    for (std::size_t i = 0; i < N; ++i) {
        const std::string t = catalogue_table(i);
        setup += with_table(fixture, t);
        if (*cases[i].setup) {
            setup += with_table(cases[i].setup, t) + ";\n";
        }
        statements += with_table(cases[i].statement, t) + ";\n";
    }
    project.migration("001_fixtures.up.sql", setup);
    project.migration("002_catalogue.up.sql", statements);
}

}  // namespace sqlmig::test
