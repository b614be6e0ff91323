#pragma once
// sqlmig's --json documents, written with nlohmann-json (ordered: object keys keep
// their insertion order, so the output is stable). A thin value type: the commands
// build documents with set() and push(), and nothing else needs nlohmann's API.

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace sqlmig::util {

class Json {
public:
    using Array = std::vector<Json>;

    Json() = default;  // null
    Json(std::nullptr_t) {}
    Json(bool b) : m_value(b) {}
    Json(int i) : m_value(static_cast<std::int64_t>(i)) {}
    Json(std::int64_t i) : m_value(i) {}
    Json(std::size_t i) : m_value(static_cast<std::int64_t>(i)) {}
    Json(double d) : m_value(d) {}
    Json(const char* s) : m_value(std::string(s)) {}
    Json(std::string s) : m_value(std::move(s)) {}
    Json(const Array& a);

    static Json object();
    static Json array();

    // Adds or replaces key in an object (the value must be an object).
    Json& set(const std::string& key, Json value);
    // Appends to an array (the value must be an array).
    Json& push(Json value);

    // Serialises compactly (indent < 0) or pretty-printed with indent spaces. Text that
    // is not UTF-8 is written with U+FFFD in place of the bad bytes.
    std::string dump(int indent = 2) const;

private:
    nlohmann::ordered_json m_value;
};

// s as a JSON string literal, quotes included; bytes that are not UTF-8 become U+FFFD.
std::string json_quote(const std::string& s);

}  // namespace sqlmig::util
