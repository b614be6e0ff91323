#pragma once
// A minimal JSON value for sqlmig's --json output. Writing only: sqlmig never
// parses JSON. Object keys keep their insertion order so the output is stable.

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace sqlmig::util {

class Json {
public:
    using Array = std::vector<Json>;
    using Object = std::vector<std::pair<std::string, Json>>;

    Json() : m_value(nullptr) {}
    Json(std::nullptr_t) : m_value(nullptr) {}
    Json(bool b) : m_value(b) {}
    Json(int i) : m_value(static_cast<std::int64_t>(i)) {}
    Json(std::int64_t i) : m_value(i) {}
    Json(std::size_t i) : m_value(static_cast<std::int64_t>(i)) {}
    Json(const char* s) : m_value(std::string(s)) {}
    Json(std::string s) : m_value(std::move(s)) {}
    Json(Array a) : m_value(std::move(a)) {}

    static Json object() { Json j; j.m_value = Object{}; return j; }
    static Json array() { Json j; j.m_value = Array{}; return j; }

    // Adds or replaces key in an object (the value must be an object).
    Json& set(const std::string& key, Json value);
    // Appends to an array (the value must be an array).
    Json& push(Json value);

    // Serialises compactly (indent < 0) or pretty-printed with indent spaces.
    std::string dump(int indent = 2) const;

private:
    void write(std::string& out, int indent, int depth) const;
    std::variant<std::nullptr_t, bool, std::int64_t, std::string, Array, Object> m_value;
};

// Escapes s as a JSON string literal, quotes included. Invalid UTF-8 bytes become U+FFFD.
std::string json_quote(const std::string& s);

}  // namespace sqlmig::util
