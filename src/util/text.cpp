#include "util/text.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <iterator>

namespace sqlmig::util {

std::string to_lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return out;
}

std::string to_upper(std::string_view s) {
    std::string out(s);
    for (char& c : out) {
        if (c >= 'a' && c <= 'z') {
            c = static_cast<char>(c - 'a' + 'A');  // ASCII only, like toupper in the C locale, without its call
        }
    }
    return out;
}

std::string_view trim(std::string_view s) {
    const char* ws = " \t\r\n\f\v";
    const auto first = s.find_first_not_of(ws);
    if (first == std::string_view::npos) {
        return {};
    }
    const auto last = s.find_last_not_of(ws);
    return s.substr(first, last - first + 1);
}

bool starts_with_icase(std::string_view s, std::string_view prefix) {
    return s.size() >= prefix.size() && to_lower(s.substr(0, prefix.size())) == to_lower(prefix);
}

bool ends_with_icase(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && to_lower(s.substr(s.size() - suffix.size())) == to_lower(suffix);
}

std::string printable(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (const char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7f) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02x", u);
            out += buf;
        } else {
            out += c;
        }
    }
    return out;
}

std::string shorten(std::string_view s, std::size_t max_chars) {
    std::string out;
    std::size_t chars = 0;
    bool in_space = false;
    for (std::size_t i = 0; i < s.size(); ++i) {
        const auto u = static_cast<unsigned char>(s[i]);
        if (std::isspace(u)) {
            in_space = true;
            continue;
        }
        if (in_space && !out.empty()) {
            out += ' ';
            ++chars;
        }
        in_space = false;
        const bool continuation = (u & 0xC0) == 0x80;
        if (!continuation && chars >= max_chars) {
            out += "...";
            return out;
        }
        out += s[i];
        if (!continuation) {
            ++chars;
        }
    }
    return out;
}

std::string masked_query(std::string_view query, std::size_t max_chars) {
    std::string out;
    for (std::size_t i = 0; i < query.size(); ++i) {
        const char c = query[i];
        if (c != '\'') {
            out += (c == '\n' || c == '\r' || c == '\t') ? ' ' : c;
            continue;
        }
        // A string literal ('' inside it is a quote): written '?'. An unterminated one (the
        // query was cut) is masked to the end.
        std::size_t j = i + 1;
        while (j < query.size()) {
            if (query[j] == '\'' && j + 1 < query.size() && query[j + 1] == '\'') {
                j += 2;
            } else if (query[j] == '\'') {
                break;
            } else {
                ++j;
            }
        }
        out += "'?'";
        i = j;
    }
    return util::shorten(util::trim(out), max_chars);
}

namespace {

std::string redact_uri(std::string_view url, std::size_t scheme_end) {
    const std::size_t authority_start = scheme_end + 3;
    std::size_t authority_end = url.find_first_of("/?#", authority_start);
    if (authority_end == std::string_view::npos) {
        authority_end = url.size();
    }
    const std::string_view authority = url.substr(authority_start, authority_end - authority_start);
    const std::size_t at = authority.rfind('@');
    std::string out(url.substr(0, authority_start));
    if (at == std::string_view::npos) {
        out += authority;
    } else {
        const std::string_view userinfo = authority.substr(0, at);
        const std::size_t colon = userinfo.find(':');
        out += colon == std::string_view::npos ? userinfo : userinfo.substr(0, colon + 1);
        if (colon != std::string_view::npos) {
            out += "***";
        }
        out += authority.substr(at);
    }
    std::string rest(url.substr(authority_end));
    // A password can also be a query parameter: ?password=secret
    for (std::size_t p = rest.find("password="); p != std::string::npos; p = rest.find("password=", p + 1)) {
        const std::size_t value = p + 9;
        const std::size_t end = rest.find('&', value);
        rest.replace(value, (end == std::string::npos ? rest.size() : end) - value, "***");
    }
    return out + rest;
}

// libpq key=value form: password=secret or password='se cret'
std::string redact_keyword_form(std::string_view s) {
    std::string out(s);
    for (std::size_t p = out.find("password"); p != std::string::npos; p = out.find("password", p + 1)) {
        std::size_t eq = p + 8;
        while (eq < out.size() && std::isspace(static_cast<unsigned char>(out[eq]))) {
            ++eq;
        }
        if (eq >= out.size() || out[eq] != '=') {
            continue;
        }
        std::size_t v = eq + 1;
        while (v < out.size() && std::isspace(static_cast<unsigned char>(out[v]))) {
            ++v;
        }
        std::size_t end = v;
        if (end < out.size() && out[end] == '\'') {
            ++end;
            while (end < out.size() && out[end] != '\'') {
                end += out[end] == '\\' ? 2 : 1;
            }
            end = std::min(end + 1, out.size());
        } else {
            while (end < out.size() && !std::isspace(static_cast<unsigned char>(out[end]))) {
                ++end;
            }
        }
        out.replace(v, end - v, "***");
    }
    return out;
}

// The values of password=... pairs (URL query or libpq key=value form), quotes removed.
void add_password_pairs(std::string_view s, std::vector<std::string>& secrets) {
    for (std::size_t p = s.find("password"); p != std::string_view::npos; p = s.find("password", p + 1)) {
        std::size_t v = s.find_first_not_of(" \t", p + 8);
        if (v == std::string_view::npos || s[v] != '=') {
            continue;
        }
        v = s.find_first_not_of(" \t", v + 1);
        if (v == std::string_view::npos) {
            continue;
        }
        const bool quoted = s[v] == '\'';
        const std::size_t start = quoted ? v + 1 : v;
        const std::size_t stop = quoted ? s.find('\'', start) : s.find_first_of(" \t&#", start);
        secrets.emplace_back(s.substr(start, stop == std::string_view::npos ? std::string_view::npos : stop - start));
    }
}

// "p%40ss" -> "p@ss"; the text as it is where an escape is malformed.
std::string percent_decoded(std::string_view s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
            std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
            out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
            i += 2;
        } else {
            out += s[i];
        }
    }
    return out;
}

// Every password a database URL or key=value string holds, as written and percent-decoded.
std::vector<std::string> secrets_of(std::string_view url) {
    std::vector<std::string> secrets;
    const std::size_t scheme_end = url.find("://");
    if (scheme_end != std::string_view::npos) {
        const std::size_t authority_start = scheme_end + 3;
        const std::size_t authority_end = std::min(url.find_first_of("/?#", authority_start), url.size());
        const std::string_view authority = url.substr(authority_start, authority_end - authority_start);
        const std::size_t at = authority.rfind('@');
        const std::size_t colon = authority.substr(0, at == std::string_view::npos ? 0 : at).find(':');
        if (at != std::string_view::npos && colon != std::string_view::npos) {
            secrets.emplace_back(authority.substr(colon + 1, at - colon - 1));
        }
    }
    add_password_pairs(url, secrets);
    const std::size_t written = secrets.size();
    for (std::size_t i = 0; i < written; ++i) {
        secrets.push_back(percent_decoded(secrets[i]));
    }
    std::erase_if(secrets, [](const std::string& secret) { return secret.empty(); });
    return secrets;
}

}  // namespace

std::string redact_url(std::string_view url) {
    const std::size_t scheme_end = url.find("://");
    if (scheme_end != std::string_view::npos) {
        return redact_uri(url, scheme_end);
    }
    return redact_keyword_form(url);
}

std::string redact_url_in(std::string_view message, std::string_view url) {
    std::string out(message);
    const std::string redacted = redact_url(url);
    if (!url.empty()) {
        for (std::size_t p = out.find(url); p != std::string::npos; p = out.find(url, p + redacted.size())) {
            out.replace(p, url.size(), redacted);
        }
    }
    // What is left: a password quoted alone (libpq: invalid percent-encoded token: "s3cr%zz").
    for (const auto& secret : secrets_of(url)) {
        for (std::size_t p = out.find(secret); p != std::string::npos; p = out.find(secret, p + 3)) {
            out.replace(p, secret.size(), "***");
        }
    }
    return out;
}

std::size_t char_count(std::string_view s) {
    std::size_t n = 0;
    for (const char c : s) {
        n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    }
    return n;
}

std::string first_line(std::string_view message) {
    return std::string(message.substr(0, message.find('\n')));
}

std::string stderr_tail(std::string_view err) {
    std::string t(trim(err));
    if (t.size() > 2000) {
        t = "..." + t.substr(t.size() - 2000);
    }
    return t.empty() ? "" : ":\n" + t;
}

std::vector<std::string> split(std::string_view s, char sep) {
    std::vector<std::string> parts;
    std::size_t start = 0;
    for (;;) {
        const std::size_t pos = s.find(sep, start);
        parts.emplace_back(s.substr(start, pos == std::string_view::npos ? std::string_view::npos : pos - start));
        if (pos == std::string_view::npos) {
            return parts;
        }
        start = pos + 1;
    }
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
    const std::string x = to_lower(a);
    const std::string y = to_lower(b);
    // Three rows of the optimal-string-alignment table: i-2, i-1 and i.
    std::vector<std::size_t> before(y.size() + 1), previous(y.size() + 1), row(y.size() + 1);
    for (std::size_t j = 0; j <= y.size(); ++j) {
        previous[j] = j;
    }
    for (std::size_t i = 1; i <= x.size(); ++i) {
        row[0] = i;
        for (std::size_t j = 1; j <= y.size(); ++j) {
            const std::size_t cost = x[i - 1] == y[j - 1] ? 0 : 1;
            row[j] = std::min({previous[j] + 1, row[j - 1] + 1, previous[j - 1] + cost});
            if (i > 1 && j > 1 && x[i - 1] == y[j - 2] && x[i - 2] == y[j - 1]) {
                row[j] = std::min(row[j], before[j - 2] + 1);
            }
        }
        before.swap(previous);
        previous.swap(row);
    }
    return previous[y.size()];
}

namespace {

// One starts the other, the shorter having at least 3 characters: "directory" and "dir".
bool prefix_related(std::string_view word, std::string_view candidate) {
    const std::string w = to_lower(word);
    const std::string c = to_lower(candidate);
    const std::string_view shorter = w.size() < c.size() ? w : c;
    const std::string_view longer = w.size() < c.size() ? c : w;
    return shorter.size() >= 3 && longer.starts_with(shorter);
}

}  // namespace

std::string nearest(std::string_view word, const std::vector<std::string>& candidates) {
    const std::size_t length = char_count(word);
    const std::size_t allowed = length <= 2 ? 0 : length <= 4 ? 1 : length <= 8 ? 2 : 3;
    std::string best;
    std::size_t best_distance = std::string::npos;
    for (const auto& candidate : candidates) {
        const std::size_t d = edit_distance(word, candidate);
        if (candidate == word || d >= best_distance) {
            continue;
        }
        if (d <= allowed || prefix_related(word, candidate)) {
            best = candidate;
            best_distance = d;
        }
    }
    return best;
}

std::string human_size(std::uintmax_t bytes) {
    static const char* const units[] = {"B", "KB", "MB", "GB", "TB"};
    double value = static_cast<double>(bytes);
    std::size_t unit = 0;
    while (value >= 1024 && unit + 1 < std::size(units)) {
        value /= 1024;
        ++unit;
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, unit == 0 ? "%.0f %s" : "%.1f %s", value, units[unit]);
    return buf;
}

std::string human_duration(std::int64_t milliseconds) {
    if (milliseconds < 1000) {
        return std::to_string(milliseconds) + " ms";
    }
    char buf[48];
    if (milliseconds < 600'000) {
        std::snprintf(buf, sizeof buf, "%.1f s", static_cast<double>(milliseconds) / 1000.0);
    } else {
        const std::int64_t seconds = (milliseconds + 500) / 1000;
        std::snprintf(buf, sizeof buf, "%lld min %lld s", static_cast<long long>(seconds / 60),
                      static_cast<long long>(seconds % 60));
    }
    return buf;
}

}  // namespace sqlmig::util
