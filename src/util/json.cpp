#include "util/json.hpp"

#include <cstdio>

namespace sqlmig::util {

Json& Json::set(const std::string& key, Json value) {
    auto& obj = std::get<Object>(m_value);
    for (auto& [k, v] : obj) {
        if (k == key) {
            v = std::move(value);
            return *this;
        }
    }
    obj.emplace_back(key, std::move(value));
    return *this;
}

Json& Json::push(Json value) {
    std::get<Array>(m_value).push_back(std::move(value));
    return *this;
}

std::string Json::dump(int indent) const {
    std::string out;
    write(out, indent, 0);
    return out;
}

namespace {

void newline(std::string& out, int indent, int depth) {
    if (indent >= 0) {
        out += '\n';
        out.append(static_cast<std::size_t>(indent * depth), ' ');
    }
}

// Length of the valid UTF-8 sequence starting at s[i], or 0 when invalid.
std::size_t utf8_sequence_length(const std::string& s, std::size_t i) {
    const auto lead = static_cast<unsigned char>(s[i]);
    std::size_t len = 0;
    if (lead >= 0xC2 && lead <= 0xDF) {
        len = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
        len = 3;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        len = 4;
    } else {
        return 0;
    }
    if (i + len > s.size()) {
        return 0;
    }
    for (std::size_t k = 1; k < len; ++k) {
        if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) {
            return 0;
        }
    }
    return len;
}

}  // namespace

std::string json_quote(const std::string& s) {
    std::string out = "\"";
    for (std::size_t i = 0; i < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        switch (c) {
        case '"': out += "\\\""; continue;
        case '\\': out += "\\\\"; continue;
        case '\n': out += "\\n"; continue;
        case '\r': out += "\\r"; continue;
        case '\t': out += "\\t"; continue;
        default: break;
        }
        if (c < 0x20 || c == 0x7f) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", c);
            out += buf;
        } else if (c < 0x80) {
            out += static_cast<char>(c);
        } else if (const std::size_t len = utf8_sequence_length(s, i); len > 0) {
            out.append(s, i, len);
            i += len - 1;
        } else {
            out += "\\ufffd";
        }
    }
    out += '"';
    return out;
}

void Json::write(std::string& out, int indent, int depth) const {
    if (std::holds_alternative<std::nullptr_t>(m_value)) {
        out += "null";
    } else if (const bool* b = std::get_if<bool>(&m_value)) {
        out += *b ? "true" : "false";
    } else if (const auto* i = std::get_if<std::int64_t>(&m_value)) {
        out += std::to_string(*i);
    } else if (const auto* s = std::get_if<std::string>(&m_value)) {
        out += json_quote(*s);
    } else if (const auto* a = std::get_if<Array>(&m_value)) {
        out += '[';
        for (std::size_t k = 0; k < a->size(); ++k) {
            out += k ? "," : "";
            newline(out, indent, depth + 1);
            (*a)[k].write(out, indent, depth + 1);
        }
        if (!a->empty()) {
            newline(out, indent, depth);
        }
        out += ']';
    } else {
        const auto& o = std::get<Object>(m_value);
        out += '{';
        for (std::size_t k = 0; k < o.size(); ++k) {
            out += k ? "," : "";
            newline(out, indent, depth + 1);
            out += json_quote(o[k].first);
            out += indent >= 0 ? ": " : ":";
            o[k].second.write(out, indent, depth + 1);
        }
        if (!o.empty()) {
            newline(out, indent, depth);
        }
        out += '}';
    }
}

}  // namespace sqlmig::util
