#pragma once
// One backend per database: everything sqlmig knows about a database that is not
// pure SQL text. The pure part, its dialect (core::DialectDefinition: lexical rules,
// statement classes, the tracking table's SQL...), is src/db/<name>/dialect.cpp, built into
// sqlmig_db_pure; this is the rest: URL schemes and how to parse them, capabilities, the
// driver and the backup engine. Each backend is one folder, src/db/<name>/, and one word in
// the registry (SQLMIG_DATABASES in CMakeLists.txt). docs/architecture.md has the whole list
// of steps.

#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/database_url.hpp"
#include "core/dialect.hpp"
#include "db/backup_engine.hpp"
#include "db/driver.hpp"

namespace sqlmig::db {

// Whether a migration's DDL can be one transaction with its tracking row. Where it
// cannot, the runner records `running` first and `applied`/`failed` after.
enum class DdlTransactions { transactional, implicit_commit };
// How the run-wide lock is held: a session lock on the server, or a file lock
// beside a database file. Either dies with the process that holds it.
enum class LockKind { session_advisory, file };
// Whether the tracking table may be schema-qualified (ops.sqlmig_migrations).
enum class Schemas { supported, none };
// Whether opening the database waits on a server (worth a thread while the folder is read).
enum class Reach { server, local_file };

struct Capabilities {
    DdlTransactions ddl;
    LockKind lock;
    Schemas schemas;
    Reach reach;
};

// A throwaway database beside the configured one, for `sqlmig verify`.
struct ScratchPlan {
    ConnectOptions options;  // how to reach it
    std::string create_sql;  // run on the configured database first ("" for a file database)
    std::string drop_sql;    // run there at the end
    std::string privilege;   // what create_sql needs, for the error when it is refused: "the CREATEDB privilege"
};

class Backend {
public:
    virtual ~Backend() = default;

    // "postgres", "sqlite": how messages, docs and --dialect name it.
    virtual std::string_view name() const = 0;
    virtual core::Dialect dialect() const = 0;
    virtual Capabilities capabilities() const = 0;
    // The config.toml section of the keys it owns ("postgres": [postgres] lock_timeout...).
    virtual std::string_view config_section() const = 0;
    // The client library and its version, for --version ("libpq 15.10"); loads the
    // backend's module, and says so when it cannot.
    virtual std::string client_library() const = 0;

    // Whether url is written in one of this backend's forms (by its scheme).
    virtual bool accepts(std::string_view url) const = 0;
    // The accepted forms, for the message that refuses a URL no backend accepts.
    virtual std::string_view url_forms() const = 0;
    // Parses an accepted URL; relative file paths resolve against base_dir. Throws ConfigError.
    virtual core::DatabaseUrl parse_url(std::string_view url, const std::filesystem::path& base_dir) const = 0;

    // Loads, on this thread, what connect() will need (PostgreSQL's module), so that
    // connect() can run on another one without mapping libraries beside it. Throws DbError.
    virtual void load() const {}
    // Opens a connection. Throws DbError (exit 1) when the database cannot be reached,
    // ConfigError for invalid options.
    virtual std::unique_ptr<Driver> connect(const ConnectOptions& options) const = 0;
    // Backup, restore and schema dump for a connected database (server_version as
    // Driver::server_version()).
    virtual std::unique_ptr<BackupEngine> backup_engine(const ConnectOptions& options, int server_version,
                                                        const BackupTools& tools) const = 0;
    // The statement that makes a session unable to write, whatever a bug in sqlmig would try
    // (`sqlmig impact` reading the live database); nullopt where the connection itself is opened
    // read-only instead (none of the built-in backends).
    virtual std::optional<std::string> read_only_session_sql() const = 0;
    // A scratch database named `name` (letters, digits, '_'), beside `configured`: on the
    // same server, or a file in `folder`.
    virtual ScratchPlan scratch(const ConnectOptions& configured, const std::string& name,
                                const std::filesystem::path& folder) const = 0;
};

// Every registered backend, in registration order.
std::span<const Backend* const> backends();

// Adds a backend after the built-in ones, before any other thread reads the registry: only the
// engine tests do, for their recording stub (tests/engine/stub_driver.hpp). sqlmig never calls it.
void add_backend(const Backend& backend);

// The backend whose URL this is. Throws ConfigError naming every accepted form.
const Backend& backend_for(std::string_view url);

// The backend a parsed URL came from.
const Backend& backend_of(const core::DatabaseUrl& url);

// backend_for(url).parse_url(url, base_dir), after refusing an empty URL. Throws ConfigError.
core::DatabaseUrl parse_database_url(std::string_view url, const std::filesystem::path& base_dir);

}  // namespace sqlmig::db
