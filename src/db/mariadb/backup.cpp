#include "db/mariadb/backup.hpp"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <system_error>

#include "db/mariadb/dump_text.hpp"
#include "db/mariadb/url.hpp"
#include "util/process.hpp"
#include "util/text.hpp"
#include "util/unique_fd.hpp"

namespace sqlmig::db {

namespace fs = std::filesystem;

namespace {

// A value in an option file: double-quoted, with the escapes the client reads.
std::string option_value(std::string_view value) {
    std::string out = "\"";
    for (const char c : value) {
        switch (c) {
        case '\\': out += "\\\\"; break;
        case '"': out += "\\\""; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default: out += c;
        }
    }
    return out + "\"";
}

// A [client] option file that never touches a disk: a memfd, given to the tool as
// its fd 3 and read as /dev/fd/3. It holds the password; it is gone when the last
// descriptor closes, even if sqlmig or the tool is killed.
class OptionFile {
public:
    explicit OptionFile(const std::string& contents) : m_fd(::memfd_create("sqlmig-client-options", MFD_CLOEXEC)) {
        if (!m_fd || ::fchmod(m_fd.get(), 0600) != 0 ||
            ::write(m_fd.get(), contents.data(), contents.size()) != static_cast<ssize_t>(contents.size())) {
            throw BackupError(std::string("cannot create the client option file in memory: ") + std::strerror(errno));
        }
    }

    // Must be the first argument: the clients read no other option file then.
    static std::string argument() { return "--defaults-file=/dev/fd/3"; }
    int fd() const { return m_fd.get(); }

private:
    util::UniqueFd m_fd;
};

class MariadbEngine final : public BackupEngine {
public:
    MariadbEngine(const ConnectOptions& options, int server_version, const BackupTools& tools)
        : m_url(parse_mariadb_url(options.url.raw)),
          m_server_version(server_version),
          m_dump(tools.program("mariadb_dump")),
          m_client(tools.program("mariadb")) {
        if (options.database_override) {
            m_url.database = *options.database_override;
        }
    }

    std::string extension() const override { return "sql"; }

    void check() override { (void)tool_release(); }

    void dump(const fs::path& file) override {
        const bool mariadb_tool = tool_release().mariadb;
        util::UniqueFd out(::open(file.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC));
        if (!out) {
            throw BackupError("cannot open " + file.string() + ": " + std::strerror(errno));
        }
        const OptionFile options(client_options(mariadb_tool));
        // One consistent snapshot of InnoDB tables without locking them; routines,
        // triggers and events too; DROP TABLE before each CREATE so a restore replaces.
        std::vector<std::string> argv = {m_dump, options.argument(), "--single-transaction",
                                         "--routines", "--triggers", "--events", "--hex-blob", "--add-drop-table",
                                         "--no-tablespaces", m_url.database};
        util::ProcessSpec spec{argv, {}, {}, out.get(), true};
        spec.fd3 = options.fd();
        const auto result = run_tool(spec, m_dump, "mariadb_dump");
        if (!result.ok()) {
            throw BackupError(m_dump + " " + result.describe() + util::stderr_tail(result.err));
        }
        if (::fsync(out.get()) != 0) {
            throw BackupError("cannot write " + file.string() + ": " + std::strerror(errno));
        }
    }

    void restore(const fs::path& file) override {
        refuse_other_formats(file);
        util::UniqueFd in(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
        if (!in) {
            throw BackupError("cannot open " + file.string() + ": " + std::strerror(errno));
        }
        const OptionFile options(client_options(tool_release(m_client, "mariadb").mariadb));
        const std::vector<std::string> argv = {m_client, options.argument(), "--batch",
                                               "--database=" + m_url.database};
        util::ProcessSpec spec{argv, {}, {}, STDERR_FILENO, true};
        spec.stdin_fd = in.get();
        spec.fd3 = options.fd();
        const auto result = run_tool(spec, m_client, "mariadb");
        if (!result.ok()) {
            throw BackupError(m_client + " " + result.describe() +
                              "; the restore stopped at the first error and the tables restored before it stay "
                              "restored (MariaDB/MySQL cannot restore in one transaction)" + util::stderr_tail(result.err));
        }
    }

    std::string schema() override {
        const OptionFile options(client_options(tool_release().mariadb));
        const std::vector<std::string> argv = {m_dump, options.argument(), "--no-data", "--routines",
                                               "--triggers", "--events", "--skip-dump-date", "--no-tablespaces",
                                               m_url.database};
        util::ProcessSpec spec{argv, {}, {}, -1, true};
        spec.fd3 = options.fd();
        const auto result = run_tool(spec, m_dump, "mariadb_dump");
        if (!result.ok()) {
            throw BackupError(m_dump + " --no-data " + result.describe() + util::stderr_tail(result.err));
        }
        return result.out;
    }

    // mariadb-dump's order: each table (foreign keys inline, checked only at the end: the dump
    // turns FOREIGN_KEY_CHECKS off and back on) with its rows, then views, routines, triggers
    // and events; the session settings it changes it restores at its end, as the client expects.
    std::string baseline(const std::vector<std::string>& leave_out) override {
        const OptionFile options(client_options(tool_release().mariadb));
        std::vector<std::string> argv = {m_dump, options.argument(), "--routines", "--triggers",
                                         "--events", "--hex-blob", "--complete-insert", "--skip-comments",
                                         "--skip-add-drop-table", "--skip-add-locks", "--skip-disable-keys",
                                         "--no-tablespaces"};
        for (const auto& table : leave_out) {
            argv.push_back("--ignore-table=" + m_url.database + "." + table);
        }
        argv.push_back(m_url.database);
        util::ProcessSpec spec{argv, {}, {}, -1, true};
        spec.fd3 = options.fd();
        const auto result = run_tool(spec, m_dump, "mariadb_dump");
        if (!result.ok()) {
            throw BackupError(m_dump + " " + result.describe() + util::stderr_tail(result.err));
        }
        return baseline_from_mariadb_dump(result.out);
    }

private:
    static util::ProcessResult run_tool(const util::ProcessSpec& spec, const std::string& program,
                                        const char* setting) {
        try {
            return util::run_process(spec);
        } catch (const std::system_error& e) {
            throw BackupError("cannot run " + program + ": " + e.code().message() +
                              "; install the MariaDB client programs (Debian: mariadb-client) or set [backup] " +
                              setting + " to the program's path");
        }
    }

    // The release of the dump tool (or the client), checked against the server's: a
    // MariaDB tool older than a MariaDB server may not know what the server has.
    MysqlRelease tool_release() { return tool_release(m_dump, "mariadb_dump"); }

    MysqlRelease tool_release(const std::string& program, const char* setting) {
        const auto result = run_tool({{program, "--version"}, {}, {}, -1, true}, program, setting);
        const auto tool = mysql_tool_release(result.out);
        if (!result.ok() || !tool) {
            throw BackupError(program + " --version " + result.describe() + " and printed '" +
                              util::printable(util::trim(result.out)) + "'; is it a MariaDB or MySQL client program?" +
                              util::stderr_tail(result.err));
        }
        const MysqlRelease server = mysql_server_release(m_server_version);
        if (tool->mariadb && server.mariadb && tool->number < server.number) {
            throw BackupError(program + " of MariaDB " + tool->text + " is older than the server, MariaDB " +
                              server.text + "; install the client programs of " + server.text +
                              " or newer and set [backup] " + setting);
        }
        spdlog::debug("{} of {} {} for a {} {} server", program, tool->mariadb ? "MariaDB" : "MySQL", tool->text,
                      server.mariadb ? "MariaDB" : "MySQL", server.text);
        return *tool;
    }

    // The connection as a [client] group; TLS options in the tool's own spelling.
    std::string client_options(bool mariadb_tool) const {
        std::string o = "[client]\n";
        if (!m_url.user.empty()) {
            o += "user=" + option_value(m_url.user) + "\n";
        }
        const char* env_password = std::getenv("MYSQL_PWD");
        if (m_url.password || env_password) {
            o += "password=" + option_value(m_url.password ? *m_url.password : env_password) + "\n";
        }
        if (!m_url.socket.empty()) {
            o += "socket=" + option_value(m_url.socket) + "\nprotocol=SOCKET\n";
        } else {
            o += "host=" + option_value(m_url.host) + "\nprotocol=TCP\n";
        }
        if (m_url.port != 0) {
            o += "port=" + std::to_string(m_url.port) + "\n";
        }
        if (m_url.connect_timeout_s) {
            o += "connect-timeout=" + std::to_string(*m_url.connect_timeout_s) + "\n";
        }
        for (const auto& [key, value] : {std::pair{"ssl-ca", &m_url.ssl_ca}, std::pair{"ssl-cert", &m_url.ssl_cert},
                                         std::pair{"ssl-key", &m_url.ssl_key}}) {
            if (!value->empty()) {
                o += std::string(key) + "=" + option_value(*value) + "\n";
            }
        }
        o += tls_options(mariadb_tool);
        return o;
    }

    std::string tls_options(bool mariadb_tool) const {
        switch (m_url.ssl_mode) {
        case SslMode::disabled: return mariadb_tool ? "skip-ssl\n" : "ssl-mode=DISABLED\n";
        case SslMode::preferred: return "";
        case SslMode::required: return mariadb_tool ? "ssl\n" : "ssl-mode=REQUIRED\n";
        case SslMode::verify_ca: return mariadb_tool ? "ssl\nssl-verify-server-cert\n" : "ssl-mode=VERIFY_CA\n";
        case SslMode::verify_identity:
            return mariadb_tool ? "ssl\nssl-verify-server-cert\n" : "ssl-mode=VERIFY_IDENTITY\n";
        }
        return "";
    }

    static void refuse_other_formats(const fs::path& file) {
        std::ifstream in(file, std::ios::binary);
        std::string head(16, '\0');
        in.read(head.data(), static_cast<std::streamsize>(head.size()));
        head.resize(static_cast<std::size_t>(in.gcount()));
        if (head.rfind("SQLite format 3", 0) == 0) {
            throw BackupError(file.string() + " is a SQLite database, not a MariaDB/MySQL backup");
        }
        if (head.rfind("PGDMP", 0) == 0) {
            throw BackupError(file.string() + " is a pg_dump archive, not a MariaDB/MySQL backup");
        }
    }

    MariadbUrl m_url;
    int m_server_version;
    std::string m_dump;    // [backup] mariadb_dump (or mysqldump)
    std::string m_client;  // [backup] mariadb (or mysql)
};

}  // namespace

std::unique_ptr<BackupEngine> make_mariadb_backup_engine(const ConnectOptions& options, int server_version,
                                                        const BackupTools& tools) {
    return std::make_unique<MariadbEngine>(options, server_version, tools);
}

}  // namespace sqlmig::db
