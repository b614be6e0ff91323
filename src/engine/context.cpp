#include "engine/context.hpp"

#include <fcntl.h>
#include <pwd.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <sstream>
#include <thread>

#include "engine/checksums.hpp"
#include "engine/files.hpp"
#include "engine/lint.hpp"
#include "core/checksum.hpp"
#include "core/squash.hpp"
#include "core/tracking_sql.hpp"
#include "db/backend.hpp"
#include "util/error.hpp"
#include "util/memory.hpp"
#include "util/text.hpp"
#include "util/unique_fd.hpp"

namespace sqlmig::engine {

namespace fs = std::filesystem;

namespace {

std::optional<std::string> getenv_opt(const std::string& name) {
    const char* v = std::getenv(name.c_str());
    return v ? std::optional<std::string>(v) : std::nullopt;
}

std::string read_text_file(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        throw ConfigError("cannot read config file " + file.string() + ": " + std::strerror(errno));
    }
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

}  // namespace

const config::Config& Context::config() {
    if (m_config) {
        return *m_config;
    }
    // Absolute: every relative path in the file resolves against its folder, also
    // when the file is given as plain "config.toml" (whose parent_path is empty).
    const fs::path file = fs::absolute(options.config_path).lexically_normal();
    std::error_code ec;
    const std::string env_name = !options.env.empty() ? options.env : getenv_opt("SQLMIG_ENV").value_or("");
    config::Config cfg;
    const auto type = fs::status(file, ec).type();
    if (type == fs::file_type::directory) {
        throw ConfigError("--config " + util::printable(options.config_path) +
                          " is a folder; name the config file in it, e.g. --config " +
                          util::printable((fs::path(options.config_path) / "config.toml").string()));
    }
    if (type != fs::file_type::not_found && type != fs::file_type::none) {
        cfg = config::parse_config(read_text_file(file), file, env_name, getenv_opt);
    } else if (options.config_given) {
        throw ConfigError("config file " + util::printable(options.config_path) + " does not exist");
    } else {
        if (!env_name.empty()) {
            throw ConfigError("--env/SQLMIG_ENV '" + util::printable(env_name) + "' needs a config file, and " +
                              file.string() + " does not exist");
        }
        cfg = config::default_config(fs::current_path());
        if (auto url = getenv_opt("DATABASE_URL")) {
            cfg.database_url = *url;
            cfg.database_url_origin = "DATABASE_URL";
        }
    }
    // Set but empty is a mistake (an unset shell variable in --database "$URL"), never
    // a reason to fall back to another database.
    if (cfg.database_url_origin == "DATABASE_URL" && util::trim(cfg.database_url).empty()) {
        throw ConfigError("DATABASE_URL is set but empty; set it to a database URL, or unset it to use the config");
    }
    if (options.database) {
        if (util::trim(*options.database).empty()) {
            throw UsageError("--database is empty (an unset variable in --database \"$URL\"?); give a database URL");
        }
        cfg.database_url = *options.database;
        cfg.database_url_unset.reset();
        cfg.database_url_origin = "--database";
        cfg.database_base_dir = fs::current_path();
    }
    if (options.dir) {
        if (util::trim(*options.dir).empty()) {
            throw UsageError("--dir is empty; give the migrations folder");
        }
        cfg.migrations_dir = fs::current_path() / *options.dir;
    }
    cfg.migrations_dir = cfg.migrations_dir.lexically_normal();
    m_config = std::move(cfg);
    return *m_config;
}

void Context::use(config::Config config, core::Catalog catalog) {
    m_config = std::move(config);
    m_catalog = std::move(catalog);
}

const core::Catalog& Context::catalog() {
    if (m_catalog) {
        return *m_catalog;
    }
    const auto& cfg = config();
    FolderListing listing = list_folder(cfg.migrations_dir);
    // What a command holds per file (catalog entry, tracking row, checksum, status line)
    // is about this much: made ready in one step, a large folder costs no page faults.
    constexpr std::size_t k_heap_per_file = 1536;
    util::prefault_heap(listing.files.size() * k_heap_per_file);
    core::Catalog cat = core::discover(std::move(listing.files), cfg.ignore, cfg.format);
    mark_baselines(cfg.migrations_dir, cat);
    // A folder or a dangling link named like a migration is a migration that cannot
    // be read: skipping it would apply the rest and call the database up to date.
    for (auto& problem : non_file_migrations(listing, cfg.ignore, cfg.format)) {
        cat.errors.push_back(std::move(problem));
    }
    if (!cat.errors.empty()) {
        std::string msg = "the migrations folder " + cfg.migrations_dir.string() + " has " +
                          std::to_string(cat.errors.size()) + " problem(s); nothing was run:";
        for (const auto& e : cat.errors) {
            msg += "\n  " + e.text();
        }
        throw MigrationFileError(msg + other_format_hint(cfg.migrations_dir, cfg.format));
    }
    for (const auto& w : cat.warnings) {
        spdlog::warn("{}", w);
    }
    m_catalog = std::move(cat);
    return *m_catalog;
}

void Context::checksum_applied(const std::vector<core::AppliedRow>& rows) {
    catalog();
    auto& migrations = m_catalog->migrations;
    std::vector<core::Migration*> todo;
    std::vector<std::string> names;
    for (const auto& row : rows) {
        if (const core::Migration* found = core::find_migration(migrations, row.version)) {
            auto& m = migrations[static_cast<std::size_t>(found - migrations.data())];
            if (!m.checksum) {
                todo.push_back(&m);
                names.push_back(m.up_file);
            }
        }
    }
    std::vector<std::string> sums = folder_checksums(config().migrations_dir, names, config().format);
    for (std::size_t i = 0; i < todo.size(); ++i) {
        todo[i]->checksum = std::move(sums[i]);
    }
}

std::string Context::up_checksum(const core::Migration& migration) {
    if (migration.checksum || migration.stored) {
        return *migration.checksum;
    }
    const Script up = script(migration, core::Direction::up);
    util::UniqueFd fd(::open(up.path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) {
        throw MigrationFileError("cannot read " + up.label + ": " + std::strerror(errno));
    }
    return script_checksum(fd.get(), up);
}

namespace {

// The layout <table>_layout records, from the rows of select_layout_sql; nullopt when there
// is no such table (layout 1, or no tracking table), or when it has no row: on MariaDB/MySQL its
// CREATE commits by itself, so a run killed right after it leaves it empty, and the next run that
// writes fills it in (prepare_tracking).
std::optional<int> layout_of(const std::optional<core::TextRows>& rows, const core::TableName& table) {
    if (!rows || rows->empty()) {
        return std::nullopt;
    }
    int layout = 0;
    if (!rows->front().empty() && rows->front().front()) {
        const std::string& text = *rows->front().front();
        std::from_chars(text.data(), text.data() + text.size(), layout);
    }
    if (layout < 1) {
        throw DbError(core::layout_table(table).display() + " does not say which layout the tracking table has; "
                      "was it edited by hand?");
    }
    return layout;
}

std::optional<int> recorded_layout(db::Driver& driver, const core::TableName& table) {
    return layout_of(driver.query_rows(core::select_layout_sql(table, driver.dialect())), table);
}

void refuse_newer_layout(int layout, const core::TableName& table) {
    if (layout > core::k_tracking_layout) {
        throw RefusedError("the tracking table " + table.display() + " has layout " + std::to_string(layout) +
                           ", written by a newer sqlmig; this one reads layout " +
                           std::to_string(core::k_tracking_layout) + " and older. Upgrade sqlmig; nothing was changed");
    }
}

// Whether the table has this column already (a table this release created, or an upgrade that
// died between two ALTERs on MariaDB, where each commits by itself).
bool has_column(db::Driver& driver, const core::TableName& table, std::string_view column) {
    try {
        return driver
            .query_rows("SELECT " + std::string(column) + " FROM " + table.quoted(driver.dialect()) + " WHERE 1 = 0")
            .has_value();
    } catch (const DbError&) {
        return false;
    }
}

// The statement journals of interrupted migrations; one query, and only when a row is unfinished.
void read_journals(db::Driver& driver, const core::TableName& table, std::vector<core::AppliedRow>& rows) {
    const bool unfinished = std::any_of(rows.begin(), rows.end(), [](const core::AppliedRow& r) {
        return r.state != core::k_state_applied;
    });
    if (!unfinished) {
        return;
    }
    const auto journals = driver.query_rows(core::select_journals_sql(table, driver.dialect()));
    for (const auto& values : journals ? *journals : core::TextRows{}) {
        if (values.size() < 3 || !values[0] || !values[1] || !values[2]) {
            continue;
        }
        const auto version = core::Version::parse_stored(*values[0]);
        std::int64_t done = -1;
        std::from_chars(values[1]->data(), values[1]->data() + values[1]->size(), done);
        const auto row = std::find_if(rows.begin(), rows.end(), [&](const core::AppliedRow& r) {
            return version && r.version == *version;
        });
        if (row != rows.end() && done >= 0) {
            row->statements_done = done;
            row->journal_checksum = *values[2];
        }
    }
}

}  // namespace

void Context::prepare_tracking(db::Driver& driver) {
    const core::TableName table = core::parse_table_name(config().table);
    const auto layout = recorded_layout(driver, table);
    if (layout) {
        refuse_newer_layout(*layout, table);
        if (*layout == core::k_tracking_layout) {
            return;
        }
    }
    // A new table and its layout record commit together: one commit (one fsync) on a
    // fresh database, which a fleet of a thousand pays a thousand times.
    if (!layout) {
        db::TransactionGuard transaction(driver);
        const bool created = driver.ensure_tracking_table();
        if (created) {
            for (const auto& sql : core::create_layout_sql(table, driver.dialect())) {
                driver.execute_internal(sql);
            }
        }
        transaction.commit();
        if (created) {
            return;
        }
    }
    std::vector<std::string> statements;
    for (const char* column : core::k_added_columns) {
        if (!has_column(driver, table, column)) {
            statements.push_back(core::add_column_sql(table, column, driver.dialect()));
        }
    }
    const bool upgrade = !statements.empty();
    for (auto& sql : core::create_layout_sql(table, driver.dialect())) {
        statements.push_back(std::move(sql));
    }
    db::TransactionGuard transaction(driver);
    for (const auto& sql : statements) {
        driver.execute_internal(sql);
    }
    transaction.commit();
    if (upgrade) {
        spdlog::info("upgraded the tracking table {} to layout {}: it now keeps the SQL each migration ran and "
                     "the progress of one that is not one transaction (docs/migrations.md)",
                     table.display(), core::k_tracking_layout);
    }
}

std::vector<core::AppliedRow> Context::applied_rows(db::Driver& driver) {
    const core::TableName table = core::parse_table_name(config().table);
    std::optional<core::TextRows> layout_rows;
    std::vector<core::AppliedRow> rows = driver.read_applied_and(core::select_layout_sql(table, driver.dialect()), layout_rows);
    if (rows.empty()) {
        return rows;
    }
    const auto layout = layout_of(layout_rows, table);
    if (layout) {
        refuse_newer_layout(*layout, table);
        if (*layout >= 3) {
            read_journals(driver, table, rows);
        }
    }
    const auto& migrations = catalog().migrations;
    const bool files_missing = std::any_of(rows.begin(), rows.end(), [&](const core::AppliedRow& r) {
        return !core::find_migration(migrations, r.version);
    });
    if (!layout || !files_missing) {
        return rows;
    }
    const auto stored = driver.query_rows(core::select_stored_down_versions_sql(table, driver.dialect()));
    std::vector<core::Version> with_down;
    for (const auto& values : stored ? *stored : core::TextRows{}) {
        if (auto v = values.empty() || !values[0] ? std::nullopt : core::Version::parse_stored(*values[0])) {
            with_down.push_back(std::move(*v));
        }
    }
    std::sort(with_down.begin(), with_down.end());
    for (auto& r : rows) {
        if (std::binary_search(with_down.begin(), with_down.end(), r.version)) {
            r.stored_down = true;
        }
    }
    return rows;
}

core::Status Context::status_of(const std::vector<core::AppliedRow>& rows) {
    core::Status status = core::build_status(migrations_with_stored(rows), rows);
    status.squashed_folder = file_label(core::k_squashed_folder);
    return status;
}

const std::vector<core::Migration>& Context::migrations_with_stored(const std::vector<core::AppliedRow>& rows) {
    const auto& migrations = catalog().migrations;
    const auto gone_but_stored = [&](const core::AppliedRow& r) {
        return r.stored_down && !core::find_migration(migrations, r.version);
    };
    if (std::none_of(rows.begin(), rows.end(), gone_but_stored)) {
        return migrations;
    }
    m_with_stored = migrations;
    for (const auto& r : rows) {
        if (gone_but_stored(r)) {
            core::Migration m;
            m.version = r.version;
            m.name = r.name;
            m.down_file = "(stored)";
            m.format = config().format;
            m.checksum = r.checksum;
            m.stored = true;
            m_with_stored.push_back(std::move(m));
        }
    }
    std::sort(m_with_stored.begin(), m_with_stored.end(),
              [](const core::Migration& a, const core::Migration& b) { return a.version < b.version; });
    return m_with_stored;
}

namespace {

// What a migration's row keeps of a script: its text, up to store_sql_max bytes.
std::optional<std::string> sql_to_store(const Script& script, std::size_t max) {
    std::error_code ec;
    const auto size = script.kept ? script.kept->size() : std::filesystem::file_size(script.path, ec);
    if (ec || max == 0) {
        return std::nullopt;
    }
    if (size > max) {
        spdlog::info("{}: {}, over [tracking] store_sql_max ({}): its SQL is not stored", script.label,
                     util::human_size(size), max);
        return std::nullopt;
    }
    return read_script(script).text;
}

}  // namespace

void Context::add_stored_sql(const core::Migration& migration, core::AppliedRow& row, const Script* up) {
    if (migration.stored) {
        return;
    }
    const std::size_t max = config().store_sql_max;
    row.up_sql = sql_to_store(up ? *up : script(migration, core::Direction::up), max);
    if (migration.down_file) {
        Script down = script(migration, core::Direction::down);
        std::error_code ec;
        if (max > 0 && std::filesystem::file_size(down.path, ec) <= max && !ec) {
            // Read once for both its text and its checksum.
            down.kept = std::make_shared<const std::string>(read_whole_file(down.path));
        }
        row.down_sql = sql_to_store(down, max);
        if (row.down_sql) {
            row.down_checksum = script_checksum(down);
        }
    }
}

Script Context::script(const core::Migration& migration, core::Direction direction) {
    if (migration.stored) {
        return Script{{}, "version " + migration.version.text() + " (stored)", core::Format::sqlmig,
                      core::Section::whole, std::string()};
    }
    const std::string& file = direction == core::Direction::up ? migration.up_file : *migration.down_file;
    Script s{file_path(file), file_label(file), migration.format, core::Section::whole, std::nullopt};
    if (core::has_sections(migration.format)) {
        s.section = direction == core::Direction::up ? core::Section::up : core::Section::down;
    }
    return s;
}

db::ConnectOptions Context::connect_options(Access access) {
    const auto& cfg = config();
    if (cfg.database_url.empty()) {
        const bool no_config_file = cfg.file.empty();
        throw ConfigError("no database is configured; set [database] url in " + options.config_path +
                          ", DATABASE_URL, or --database" +
                          (no_config_file ? " (there is no " + options.config_path + " in " +
                                                util::printable(fs::current_path().string()) +
                                                ": run sqlmig in the project's folder, or 'sqlmig init' to start one)"
                                          : std::string(" (run 'sqlmig init' for a starting config)")));
    }
    if (cfg.database_url_unset) {
        throw ConfigError(*cfg.database_url_unset);
    }
    db::ConnectOptions opts;
    try {
        opts.url = db::parse_database_url(cfg.database_url, cfg.database_base_dir);
    } catch (const ConfigError& e) {
        throw ConfigError(cfg.database_url_origin + ": " + e.what());
    }
    opts.table = core::parse_table_name(cfg.table);  // checked with its line when the config was read
    opts.connect_timeout_s = cfg.connect_timeout_s;
    for (const auto& ext : cfg.sqlite_extensions) {
        opts.sqlite_extensions.push_back(ext.string());
    }
    opts.busy_timeout = cfg.busy_timeout;
    opts.sqlite_foreign_keys = cfg.sqlite_foreign_keys;
    opts.read_only = access == Access::read_only;
    opts.schema = cfg.tenant_schema;
    const auto section = db::backend_of(opts.url).config_section();
    const auto limits = cfg.session_limits(section);
    opts.lock_timeout = limits.lock_timeout;
    opts.statement_timeout = limits.statement_timeout;
    if (section == "postgres") {
        opts.run_lock = cfg.pg_lock == config::PgRunLock::lease ? db::RunLock::lease : db::RunLock::advisory;
        opts.lease_duration = cfg.pg_lease_duration;
    }
    const auto retries = cfg.lock_retries(section);
    opts.lock_harm_budget = retries.enabled ? retries.harm_budget : std::chrono::milliseconds(0);
    opts.lock_watch = target.empty();  // a fleet's --parallel counts every connection
    return opts;
}

std::unique_ptr<db::Driver> Context::connect(Access access) {
    const db::ConnectOptions opts = connect_options(access);
    spdlog::debug("database: {}", opts.url.redacted());
    return open(db::backend_of(opts.url), opts);
}

// With --wait, a server that is not accepting yet (a container starting beside the
// app) is retried every half second until the time is up, with a line every 5 s.
std::unique_ptr<db::Driver> Context::open(const db::Backend& backend, const db::ConnectOptions& opts) const {
    if (!options.wait) {
        return backend.connect(opts);
    }
    using Clock = std::chrono::steady_clock;
    const auto start = Clock::now();
    const auto deadline = start + *options.wait;
    auto next_line = start;
    for (;;) {
        try {
            return backend.connect(opts);
        } catch (const ConnectionError& e) {
            const auto now = Clock::now();
            if (now >= deadline) {
                throw ConnectionError(std::string(e.what()) + " (still refused after waiting " +
                                      std::to_string(options.wait->count() / 1000) + " s, --wait)");
            }
            if (now >= next_line) {
                const auto left =
                    std::chrono::ceil<std::chrono::seconds>(deadline - now).count();
                spdlog::info("waiting for the database to accept connections ({} s left): {}", left,
                             util::first_line(e.what()));
                next_line = now + std::chrono::seconds(5);
            }
            std::this_thread::sleep_for(std::min<Clock::duration>(std::chrono::milliseconds(500), deadline - now));
        }
    }
}

// A PostgreSQL server takes about 10 ms to start a session, nearly all of it
// spent waiting on this side; listing a large folder fits in that time (W6 in
// docs/performance.md: 7 ms less). libpq connects on a second thread, but the
// module is loaded here first: two threads mapping libraries and faulting pages
// slow each other down more than they gain. SQLite opens lazily: no thread.
std::unique_ptr<db::Driver> Context::connect_during(Access access, const std::function<void()>& meanwhile) {
    const db::ConnectOptions opts = connect_options(access);
    spdlog::debug("database: {}", opts.url.redacted());
    const db::Backend& backend = db::backend_of(opts.url);
    if (backend.capabilities().reach != db::Reach::server) {
        meanwhile();
        return open(backend, opts);
    }
    backend.load();
    std::unique_ptr<db::Driver> driver;
    std::exception_ptr connect_failure;
    {
        std::jthread connecting([&] {
            try {
                driver = open(backend, opts);
            } catch (...) {
                connect_failure = std::current_exception();
            }
        });
        meanwhile();  // on a throw, connecting is joined before the exception leaves
    }
    if (connect_failure) {
        std::rethrow_exception(connect_failure);
    }
    return driver;
}

std::string Context::project_label(const fs::path& file) {
    const fs::path full = fs::absolute(file).lexically_normal();
    const fs::path rel = full.lexically_relative(fs::absolute(config().base_dir).lexically_normal());
    const bool inside = !rel.empty() && *rel.begin() != "..";
    return util::printable((inside ? rel : full).string());
}

std::optional<std::string> Context::another_folder(const core::Status& status) {
    const core::HistoryMatch match = core::match_history(status);
    if (!match.from_another_folder()) {
        return std::nullopt;
    }
    return "the database " + database_label() + " was migrated from another folder or project? " +
           match.describe(status) + "; this folder is " + project_label(config().migrations_dir) +
           ". Check the database URL ([database] url, DATABASE_URL, --database) and the folder ([migrations] dir, "
           "--dir); if it is a branch of this project whose files are not here, 'sqlmig down --yes' reverts its "
           "migrations with the downs stored when they ran";
}

std::string Context::database_label() {
    return util::redact_url(config().database_url);
}

fs::path Context::file_path(const std::string& file_name) {
    return config().migrations_dir / file_name;
}

std::string Context::file_label(const std::string& file_name) {
    const fs::path full = file_path(file_name);
    std::error_code ec;
    const fs::path rel = full.lexically_relative(fs::current_path(ec));
    const bool inside = !rel.empty() && *rel.begin() != "..";
    return util::printable((inside ? rel : full).string());
}

std::chrono::milliseconds Context::lock_timeout() const {
    return std::chrono::milliseconds(static_cast<long long>(std::llround(options.lock_timeout_s * 1000)));
}

std::string current_user_at_host() {
    static const std::string cached = [] {
        std::string user;
        if (const passwd* pw = getpwuid(geteuid()); pw && pw->pw_name) {
            user = pw->pw_name;
        } else if (const char* u = std::getenv("USER")) {
            user = u;
        } else {
            user = std::to_string(geteuid());
        }
        char host[256] = {};
        if (gethostname(host, sizeof host - 1) != 0) {
            std::strcpy(host, "unknown");
        }
        return user + "@" + host;
    }();
    return cached;
}

std::string utc_now(const char* format) {
    const std::time_t t = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[64];
    std::strftime(buf, sizeof buf, format, &tm);
    return buf;
}

}  // namespace sqlmig::engine
