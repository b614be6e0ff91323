#pragma once
// What the drift tests share: out-of-band changes made by hand, and the objects `sqlmig drift`
// names for them.

#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace sqlmig::test {

// One change made on a migrated database behind sqlmig's back, and the report's headers
// ("changed column public.users.email") it must cause.
struct DriftCase {
    std::vector<std::string> statements;
    std::set<std::string> headers;
};

// The object headers of drift's text report: its lines that are neither an indented diff line nor
// the summary ("... objects differ ...", "no drift: ...").
inline std::set<std::string> drift_headers(const std::string& out) {
    std::set<std::string> headers;
    std::istringstream lines(out);
    for (std::string line; std::getline(lines, line);) {
        const bool summary = line.find(" differ") != std::string::npos || line.rfind("no drift", 0) == 0;
        if (!line.empty() && line[0] != ' ' && !summary) {
            headers.insert(line);
        }
    }
    return headers;
}

// Makes each case's change, in order, with `execute` (one statement at a time).
template <typename Execute>
void make_changes(const std::vector<DriftCase>& cases, Execute execute) {
    for (const auto& c : cases) {
        for (const auto& sql : c.statements) {
            execute(sql);
        }
    }
}

// Every header the cases expect, together.
inline std::set<std::string> all_headers(const std::vector<DriftCase>& cases) {
    std::set<std::string> all;
    for (const auto& c : cases) {
        all.insert(c.headers.begin(), c.headers.end());
    }
    return all;
}

}  // namespace sqlmig::test
