#include "db/postgres/backup.hpp"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <system_error>

#include "db/postgres/dump_text.hpp"
#include "db/postgres/conninfo.hpp"
#include "util/process.hpp"
#include "util/text.hpp"
#include "util/unique_fd.hpp"

namespace sqlmig::db {

namespace fs = std::filesystem;

namespace {

util::ProcessResult run_tool(const util::ProcessSpec& spec, const std::string& setting) {
    try {
        return util::run_process(spec);
    } catch (const std::system_error& e) {
        throw BackupError("cannot run " + spec.argv[0] + ": " + e.code().message() + "; install the PostgreSQL "
                          "client programs (Debian: postgresql-client) or set [backup] " + setting +
                          " to the program's path");
    }
}

bool starts_with_bytes(const fs::path& file, std::string_view magic) {
    std::ifstream in(file, std::ios::binary);
    std::string head(magic.size(), '\0');
    in.read(head.data(), static_cast<std::streamsize>(head.size()));
    return in.gcount() == static_cast<std::streamsize>(magic.size()) && head == magic;
}

class PostgresEngine final : public BackupEngine {
public:
    PostgresEngine(const ConnectOptions& options, int server_version, BackupTools tools)
        : m_child(pg_child_connection(options.url.raw, "sqlmig backup")),
          m_server_version(server_version),
          m_pg_dump(tools.program("pg_dump")),
          m_pg_restore(tools.program("pg_restore")),
          m_psql(tools.program("psql")),
          m_tools(std::move(tools)),
          m_schema(options.schema) {
        if (options.database_override) {  // a scratch database (a name of letters, digits and '_')
            m_child.conninfo += " dbname='" + *options.database_override + "'";
        }
    }

    std::string extension() const override { return m_tools.format == BackupFormat::custom ? "dump" : "sql"; }

    void check() override {
        const auto result = run_tool({{m_pg_dump, "--version"}, {}, {}, -1, true}, "pg_dump");
        const auto tool = pg_tool_major(result.out);
        if (!result.ok() || !tool) {
            throw BackupError(m_pg_dump + " --version " + result.describe() + " and printed '" +
                              util::printable(util::trim(result.out)) + "'; is it pg_dump?" + util::stderr_tail(result.err));
        }
        const PgMajor server = pg_server_major(m_server_version);
        if (tool->number < server.number) {
            throw BackupError("pg_dump " + tool->text + " (" + m_pg_dump + ") is older than the server, "
                              "PostgreSQL " + server.text + ", and cannot back it up; install pg_dump " + server.text +
                              " or newer (Debian: postgresql-client-" + server.text + ") and set [backup] pg_dump");
        }
        spdlog::debug("pg_dump {} for PostgreSQL {}", tool->text, server.text);
    }

    void dump(const fs::path& file) override {
        util::UniqueFd out(::open(file.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC));
        if (!out) {
            throw BackupError("cannot open " + file.string() + ": " + std::strerror(errno));
        }
        std::vector<std::string> argv = {m_pg_dump};
        if (m_tools.format == BackupFormat::custom) {
            argv.push_back("--format=custom");
        } else {
            // A plain dump restores over existing objects only when it drops them first.
            argv.insert(argv.end(), {"--format=plain", "--clean", "--if-exists"});
        }
        if (m_tools.lock_wait_timeout) {
            argv.push_back("--lock-wait-timeout=" + std::to_string(m_tools.lock_wait_timeout->count()) + "ms");
        }
        if (m_schema) {
            argv.push_back("--schema=\"" + *m_schema + "\"");  // a tenant's backup holds its schema only
        }
        argv.insert(argv.end(), {"--no-password", "--dbname=" + m_child.conninfo});
        const auto result = run_tool({argv, m_child.env, {}, out.get(), true}, "pg_dump");
        if (!result.ok()) {
            throw BackupError("pg_dump " + result.describe() + util::stderr_tail(result.err));
        }
        log_warnings("pg_dump", result.err);
        // The backup must be on disk before anything changes.
        if (::fsync(out.get()) != 0) {
            throw BackupError("cannot write " + file.string() + ": " + std::strerror(errno));
        }
    }

    void restore(const fs::path& file) override {
        if (starts_with_bytes(file, std::string_view("SQLite format 3\0", 16))) {
            throw BackupError(file.string() + " is a SQLite database, not a PostgreSQL backup");
        }
        const bool custom = starts_with_bytes(file, "PGDMP");
        std::vector<std::string> argv;
        if (custom) {
            argv = {m_pg_restore, "--clean", "--if-exists", "--single-transaction", "--exit-on-error",
                    "--no-password", "--dbname=" + m_child.conninfo, file.string()};
        } else {
            argv = {m_psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "--single-transaction", "--no-password",
                    "--dbname=" + m_child.conninfo, "--file=" + file.string()};
        }
        // Their progress output goes to our stderr, keeping stdout for --json.
        const auto result = run_tool({argv, m_child.env, {}, STDERR_FILENO, true}, custom ? "pg_restore" : "psql");
        if (!result.ok()) {
            throw BackupError(std::string(custom ? "pg_restore " : "psql ") + result.describe() +
                              "; the restore ran in one transaction and was rolled back" + util::stderr_tail(result.err));
        }
        log_warnings(custom ? "pg_restore" : "psql", result.err);
    }

    // A fixed \restrict key where pg_dump writes one: a random key each run would make the
    // schema file differ on every run. The file is for review and diffs; loading it into psql
    // still runs restricted, with a key a hostile server could know (docs/postgresql.md).
    std::string schema() override {
        std::vector<std::string> argv = {m_pg_dump, "--schema-only", "--no-password"};
        const auto help = run_tool({{m_pg_dump, "--help"}, {}, {}, -1, true}, "pg_dump");
        if (help.ok() && pg_dump_has_restrict_key(help.out)) {
            argv.push_back("--restrict-key=" + std::string(k_schema_restrict_key));
        }
        argv.push_back("--dbname=" + m_child.conninfo);
        const auto result = run_tool({argv, m_child.env, {}, -1, true}, "pg_dump");
        if (!result.ok()) {
            throw BackupError("pg_dump --schema-only " + result.describe() + util::stderr_tail(result.err));
        }
        return result.out;
    }

    // pg_dump's plain output with --inserts is in dependency order (tables, their rows, then
    // constraints, indexes, triggers); what only psql runs and the session settings a migration
    // must not change for the rest of its run are taken out (baseline_from_pg_dump).
    std::string baseline(const std::vector<std::string>& leave_out) override {
        std::vector<std::string> argv = {m_pg_dump, "--format=plain", "--no-owner", "--no-privileges",
                                         "--inserts", "--rows-per-insert=100", "--no-password"};
        for (const auto& table : leave_out) {
            argv.push_back("--exclude-table=" + table);
        }
        argv.push_back("--dbname=" + m_child.conninfo);
        const auto result = run_tool({argv, m_child.env, {}, -1, true}, "pg_dump");
        if (!result.ok()) {
            throw BackupError("pg_dump " + result.describe() + util::stderr_tail(result.err));
        }
        std::string body = baseline_from_pg_dump(result.out);
        // The tracking table's own schema exists before the baseline runs (sqlmig makes it first).
        for (const auto& table : leave_out) {
            if (const auto dot = table.find('.'); dot != std::string::npos) {
                const std::string create = "\nCREATE SCHEMA " + table.substr(0, dot) + ";\n";
                if (const auto at = body.find(create); at != std::string::npos) {
                    body.replace(at, create.size(), "\nCREATE SCHEMA IF NOT EXISTS " + table.substr(0, dot) + ";\n");
                }
            }
        }
        return body;
    }

    // pg_restore --clean and a plain dump's DROPs replace only what the backup holds: every
    // relation of it gets a new oid, and one with the oid it had is one the backup lacks.
    std::string relations_query() const override {
        std::string sql =
            "SELECT c.oid::text, quote_ident(n.nspname) || '.' || quote_ident(c.relname) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') "
            "AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'";
        if (m_schema) {  // a tenant's backup holds its schema only
            std::string literal;
            for (const char c : *m_schema) {
                literal += c == '\'' ? std::string("''") : std::string(1, c);
            }
            sql += " AND n.nspname = '" + literal + "'";
        }
        return sql + " ORDER BY 2";
    }

private:
    static void log_warnings(const char* tool, const std::string& err) {
        for (const auto& line : util::split(util::trim(err), '\n')) {
            if (!line.empty()) {
                spdlog::debug("{}: {}", tool, line);
            }
        }
    }

    ChildConnection m_child;
    int m_server_version;
    std::string m_pg_dump;     // [backup] pg_dump
    std::string m_pg_restore;  // [backup] pg_restore
    std::string m_psql;        // [backup] psql
    BackupTools m_tools;
    std::optional<std::string> m_schema;
};

}  // namespace

std::unique_ptr<BackupEngine> make_postgres_backup_engine(const ConnectOptions& options, int server_version,
                                                         const BackupTools& tools) {
    return std::make_unique<PostgresEngine>(options, server_version, tools);
}

}  // namespace sqlmig::db
