#pragma once
// What every command needs: the global options, the config, the catalog of
// migration files and a database connection, each made once and on demand.

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "engine/files.hpp"
#include "engine/progress.hpp"
#include "config/config.hpp"
#include "core/discovery.hpp"
#include "core/plan.hpp"
#include "db/driver.hpp"

namespace sqlmig::db {
class Backend;
}

namespace sqlmig::engine {

// Options that every command accepts.
// Whether a connection may create or change anything: the inspection commands, --sql and
// --dry-run read only (a SQLite file is opened read-only, no tracking table is made).
enum class Access { read_only, read_write };

struct GlobalOptions {
    std::string config_path = "config.toml";
    bool config_given = false;
    std::optional<std::string> database;  // set, even to "", when given
    std::optional<std::string> dir;
    std::string env;
    bool json = false;
    bool quiet = false;
    bool verbose = false;
    double lock_timeout_s = 60;
    // --wait[=DURATION]: retry connecting until the server accepts, this long.
    std::optional<std::chrono::milliseconds> wait;
    std::string wait_text;  // as given
    std::string color = "auto";  // --color auto|always|never
    ProgressMode progress = ProgressMode::automatic;  // --progress
};

class Context {
public:
    GlobalOptions options;
    // The fleet target this context runs, "" outside `sqlmig fleet`: SQLMIG_TARGET for hooks.
    std::string target;
    // How a long file's progress is shown (the command line's live line); none when empty.
    ProgressDisplay progress_display;

    // For one target of a fleet: this config (already the target's) and the folder's catalog,
    // read once for the whole fleet, in place of reading them again.
    void use(config::Config config, core::Catalog catalog);

    // The effective configuration: file, [env.NAME], DATABASE_URL, then flags. Throws ConfigError.
    const config::Config& config();

    // The migrations folder as a catalog. Throws MigrationFileError listing every
    // problem in the folder; warnings are logged.
    const core::Catalog& catalog();

    // Fills in the checksum of each migration that has a tracking row (the ones validation needs).
    void checksum_applied(const std::vector<core::AppliedRow>& rows);

    // The up file's checksum: the one already computed, or read from the file now.
    std::string up_checksum(const core::Migration& migration);
    // With the lock held, before writing: creates the tracking table, or brings an older
    // layout to this release's (a log line says so). Throws RefusedError for a newer one.
    void prepare_tracking(db::Driver& driver);
    // The tracking table's rows, once its layout is one this release reads (RefusedError
    // otherwise), with stored_down set where an applied migration's files are gone.
    std::vector<core::AppliedRow> applied_rows(db::Driver& driver);
    // The folder's migrations, plus a stored one for each applied migration whose files
    // are gone but whose down SQL the tracking table kept. Valid until the next call.
    const std::vector<core::Migration>& migrations_with_stored(const std::vector<core::AppliedRow>& rows);
    // The folder's state on a database with these rows (of applied_rows()): its migrations with the
    // stored ones, and where the files a baseline replaced are.
    core::Status status_of(const std::vector<core::AppliedRow>& rows);
    // Fills the row's stored SQL from the migration's files: its up and its down as they are
    // now, each up to [tracking] store_sql_max bytes (up, stamp and adopt record it). `up`, when
    // given, is the up script a run prepared (its kept bytes are not read again).
    void add_stored_sql(const core::Migration& migration, core::AppliedRow& row, const Script* up = nullptr);
    // The file (and section) a migration runs in one direction; the down must exist.
    Script script(const core::Migration& migration, core::Direction direction);

    // How to reach the configured database. Throws ConfigError.
    db::ConnectOptions connect_options(Access access);

    // Opens the configured database. Access::read_only: create nothing (SQLite file, tracking table).
    std::unique_ptr<db::Driver> connect(Access access);

    // The same, with `meanwhile` run on this thread while the connection is made.
    // Its exception wins over a failed connection's, as if it had run first.
    std::unique_ptr<db::Driver> connect_during(Access access, const std::function<void()>& meanwhile);

    // How messages and the tracking table name a file the config points at: relative
    // to the config file's folder when inside it, else absolute.
    std::string project_label(const std::filesystem::path& file);

    // "the database X was migrated from another folder or project? ..." when the status
    // says it most likely was (core::HistoryMatch), naming the database and the folder.
    std::optional<std::string> another_folder(const core::Status& status);

    // The configured database URL, with any password hidden.
    std::string database_label();

    // Path of a migration file, and how messages name it (relative to the working directory when inside it).
    std::filesystem::path file_path(const std::string& file_name);
    std::string file_label(const std::string& file_name);

    std::chrono::milliseconds lock_timeout() const;

private:
    std::unique_ptr<db::Driver> open(const db::Backend& backend, const db::ConnectOptions& opts) const;

    std::optional<config::Config> m_config;
    std::optional<core::Catalog> m_catalog;
    std::vector<core::Migration> m_with_stored;
};

// user@host of whoever runs sqlmig, for the tracking table.
std::string current_user_at_host();

// Now, UTC, formatted with strftime's format.
std::string utc_now(const char* format);

// Now, UTC, ISO 8601 with seconds: 2026-11-22T03:50:00Z.
inline std::string utc_now_iso8601() { return utc_now("%Y-%m-%dT%H:%M:%SZ"); }

}  // namespace sqlmig::engine
