#include "db/mariadb/url.hpp"

#include <charconv>

#include "util/error.hpp"
#include "util/text.hpp"

namespace sqlmig::db {

namespace {

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

[[noreturn]] void refuse(std::string_view url, const std::string& why) {
    throw ConfigError("invalid MariaDB/MySQL URL '" + util::redact_url(url) + "': " + why +
                      "; write mysql://user:password@host:3306/database");
}

std::string percent_decoded(std::string_view url, std::string_view part, const char* what) {
    std::string out;
    for (std::size_t i = 0; i < part.size(); ++i) {
        if (part[i] != '%') {
            out += part[i];
            continue;
        }
        const int hi = i + 2 < part.size() ? hex_value(part[i + 1]) : -1;
        const int lo = i + 2 < part.size() ? hex_value(part[i + 2]) : -1;
        if (hi < 0 || lo < 0) {
            refuse(url, std::string("a '%' in the ") + what + " is not followed by two hex digits");
        }
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
    }
    if (out.find('\0') != std::string::npos) {
        refuse(url, std::string("the ") + what + " holds a NUL byte");
    }
    return out;
}

SslMode ssl_mode_named(std::string_view url, const std::string& key, std::string_view value) {
    const std::string v = util::to_upper(value);
    if (key == "tls") {  // golang-migrate's and dbmate's spelling
        if (v == "TRUE") return SslMode::verify_identity;
        if (v == "SKIP-VERIFY") return SslMode::required;
        if (v == "PREFERRED") return SslMode::preferred;
        if (v == "FALSE") return SslMode::disabled;
        refuse(url, "tls=" + util::printable(value) + " is not true, false, skip-verify or preferred");
    }
    if (v == "DISABLED") return SslMode::disabled;
    if (v == "PREFERRED") return SslMode::preferred;
    if (v == "REQUIRED") return SslMode::required;
    if (v == "VERIFY_CA") return SslMode::verify_ca;
    if (v == "VERIFY_IDENTITY") return SslMode::verify_identity;
    refuse(url, "ssl-mode=" + util::printable(value) +
                    " is not DISABLED, PREFERRED, REQUIRED, VERIFY_CA or VERIFY_IDENTITY");
}

void apply_option(std::string_view url, MariadbUrl& out, std::string_view pair) {
    const std::size_t eq = pair.find('=');
    const std::string key(pair.substr(0, eq));
    const std::string value = percent_decoded(url, eq == std::string_view::npos ? "" : pair.substr(eq + 1), "options");
    if (key == "socket") {
        out.socket = value;
    } else if (key == "ssl-mode" || key == "sslmode" || key == "tls") {
        out.ssl_mode = ssl_mode_named(url, key, value);
    } else if (key == "ssl-ca") {
        out.ssl_ca = value;
    } else if (key == "ssl-cert") {
        out.ssl_cert = value;
    } else if (key == "ssl-key") {
        out.ssl_key = value;
    } else if (key == "connect_timeout") {
        int seconds = 0;
        const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
        if (ec != std::errc() || end != value.data() + value.size() || seconds <= 0) {
            refuse(url, "connect_timeout=" + util::printable(value) + " is not a positive number of seconds");
        }
        out.connect_timeout_s = seconds;
    } else {
        refuse(url, "unknown option '" + util::printable(key) +
                        "' (known: socket, ssl-mode, tls, ssl-ca, ssl-cert, ssl-key, connect_timeout)");
    }
}

}  // namespace

bool is_mariadb_url(std::string_view url) {
    const std::string_view u = util::trim(url);
    return util::starts_with_icase(u, "mysql://") || util::starts_with_icase(u, "mariadb://");
}

MariadbUrl parse_mariadb_url(std::string_view raw) {
    const std::string_view url = util::trim(raw);
    std::string_view rest = url.substr(url.find("://") + 3);
    MariadbUrl out;
    std::string_view query;
    if (const std::size_t q = rest.find('?'); q != std::string_view::npos) {
        query = rest.substr(q + 1);
        rest = rest.substr(0, q);
    }
    const std::size_t slash = rest.find('/');
    std::string_view authority = rest.substr(0, slash);
    const std::string_view path = slash == std::string_view::npos ? "" : rest.substr(slash + 1);
    if (const std::size_t at = authority.rfind('@'); at != std::string_view::npos) {
        const std::string_view userinfo = authority.substr(0, at);
        authority = authority.substr(at + 1);
        const std::size_t colon = userinfo.find(':');
        out.user = percent_decoded(url, userinfo.substr(0, colon), "user");
        if (colon != std::string_view::npos) {
            out.password = percent_decoded(url, userinfo.substr(colon + 1), "password");
        }
    }
    std::string_view host = authority;
    std::string_view port;
    if (!host.empty() && host[0] == '[') {  // [::1]:3306
        const std::size_t close = host.find(']');
        if (close == std::string_view::npos) {
            refuse(url, "the host's '[' is never closed");
        }
        port = host.substr(close + 1);
        host = host.substr(1, close - 1);
        if (!port.empty() && port[0] != ':') {
            refuse(url, "something follows the host's ']'");
        }
        port = port.empty() ? port : port.substr(1);
    } else if (const std::size_t colon = host.rfind(':'); colon != std::string_view::npos) {
        port = host.substr(colon + 1);
        host = host.substr(0, colon);
    }
    out.host = std::string(host);
    if (!port.empty()) {
        const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), out.port);
        if (ec != std::errc() || end != port.data() + port.size() || out.port == 0 || out.port > 65535) {
            refuse(url, "the port '" + util::printable(port) + "' is not a number from 1 to 65535");
        }
    }
    out.database = percent_decoded(url, path, "database");
    if (out.database.empty() || out.database.find('/') != std::string::npos) {
        refuse(url, out.database.empty() ? "no database name after the host" : "the database name holds a '/'");
    }
    for (const std::string& pair : util::split(query, '&')) {
        if (!pair.empty()) {
            apply_option(url, out, pair);
        }
    }
    if (out.host.empty() && out.socket.empty()) {
        out.host = "localhost";
    }
    return out;
}

}  // namespace sqlmig::db
