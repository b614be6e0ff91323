#pragma once
// Reading the --json document of `sqlmig fleet` in the end-to-end tests.

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <map>
#include <string>

#include "e2e/cli_test_support.hpp"

namespace sqlmig::test {

inline nlohmann::json json_of(const Result& r) {
    auto doc = nlohmann::json::parse(r.out, nullptr, false);
    EXPECT_FALSE(doc.is_discarded()) << r.out << r.err;
    return doc;
}

// name -> result of each target.
inline std::map<std::string, std::string> results_of(const nlohmann::json& doc) {
    std::map<std::string, std::string> out;
    for (const auto& t : doc["targets"]) {
        out[t["name"].get<std::string>()] = t["result"].get<std::string>();
    }
    return out;
}

}  // namespace sqlmig::test
