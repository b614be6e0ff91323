#pragma once
// mysql:// and mariadb:// URLs, parsed here (Connector/C takes parts, not URLs):
//   mysql://user:password@host:3306/database?socket=/run/mysqld/mysqld.sock&ssl-mode=REQUIRED
// Query options: socket, ssl-mode (DISABLED, PREFERRED, REQUIRED, VERIFY_CA,
// VERIFY_IDENTITY; or golang-migrate's tls=true|false|skip-verify|preferred),
// ssl-ca, ssl-cert, ssl-key, connect_timeout (seconds). User, password and
// database may be percent-encoded. Without a password in the URL, MYSQL_PWD is used.

#include <optional>
#include <string>
#include <string_view>

namespace sqlmig::db {

enum class SslMode { disabled, preferred, required, verify_ca, verify_identity };

struct MariadbUrl {
    std::string user;
    std::optional<std::string> password;
    std::string host;  // "" with a socket: the server on this machine
    unsigned port = 0;  // 0: the default, 3306
    std::string database;
    std::string socket;
    SslMode ssl_mode = SslMode::preferred;
    std::string ssl_ca;
    std::string ssl_cert;
    std::string ssl_key;
    std::optional<int> connect_timeout_s;
};

bool is_mariadb_url(std::string_view url);

// Throws ConfigError naming the part that is wrong (never the password).
MariadbUrl parse_mariadb_url(std::string_view url);

}  // namespace sqlmig::db
