#include "engine/scratch.hpp"

#include <spdlog/spdlog.h>

#include "engine/search_path.hpp"
#include "util/text.hpp"

#include <algorithm>
#include <cstdio>
#include <random>

namespace sqlmig::engine {

namespace fs = std::filesystem;

namespace {

std::string scratch_name(const std::string& purpose) {
    std::random_device rd;
    char buf[16];
    std::snprintf(buf, sizeof buf, "_%08x", rd());
    return "sqlmig_" + purpose + buf;
}

// --scratch-url must reach the same kind of database: the migrations are written for it.
void refuse_another_kind(const core::DatabaseUrl& scratch, const core::DatabaseUrl& configured) {
    if (scratch.backend != configured.backend) {
        throw ConfigError("--scratch-url: a " + scratch.backend + " database (" + scratch.redacted() +
                          ") cannot stand in for this project's " + configured.backend + " database");
    }
}

// The replay assumes nothing exists: a table left there would make a migration fail with
// "already exists", or hide a difference that drift or verify should report. Schemas and
// extensions are what a new database inherits from its template (PostgreSQL's public and
// plpgsql), so only the other lines make it not empty.
void refuse_non_empty(const db::ConnectOptions& scratch) {
    const auto lines = db::backend_of(scratch.url).connect(scratch)->schema_snapshot();
    const auto inherited = [](const std::string& line) {
        return line.starts_with("schema ") || line.starts_with("extension ");
    };
    const auto own = std::count_if(lines.begin(), lines.end(), [&](const auto& line) { return !inherited(line); });
    if (own > 0) {
        const auto first = *std::find_if_not(lines.begin(), lines.end(), inherited);
        throw ConfigError("--scratch-url: " + scratch.url.redacted() + " is not empty (" + std::to_string(own) +
                          " object(s), the first: '" + util::shorten(first, 60) +
                          "'); give an empty database to replay on");
    }
}

}  // namespace

Scratch::Scratch(Context& ctx, const ScratchRequest& request)
    : m_ctx(ctx), m_keep(request.keep == KeepScratch::yes) {
    const db::ConnectOptions configured = ctx.connect_options(Access::read_write);
    if (!request.url.empty()) {
        m_plan.options = configured;
        m_plan.options.url = db::parse_database_url(request.url, fs::current_path());
        refuse_another_kind(m_plan.options.url, configured.url);
        m_plan.options.durability = request.durability;
        m_keep = true;  // the user's own database: never dropped
        refuse_non_empty(m_plan.options);
        make_schemas();
        return;
    }
    const db::Backend& backend = db::backend_of(configured.url);
    m_plan = backend.scratch(configured, scratch_name(request.purpose), fs::temp_directory_path());
    m_plan.options.durability = request.durability;
    if (!m_plan.create_sql.empty()) {
        auto admin = backend.connect(configured);  // not reaching the server is its own error, without a hint
        try {
            admin->execute_internal(m_plan.create_sql);
            admin->flush();
        } catch (const DbError& e) {
            throw DbError("cannot create the scratch database for " + request.purpose + " on " +
                          configured.url.redacted() + ": " + e.what() + "\nthe user needs " + m_plan.privilege +
                          (request.url_option == ScratchUrl::offered
                               ? "; or pass --scratch-url URL of an empty database to use instead"
                               : ""));
        }
    }
    m_created = true;
    try {
        make_schemas();
    } catch (...) {
        drop();  // the destructor does not run when the constructor throws
        throw;
    }
}

// A tenant of a schema-per-tenant fleet replays in a schema of its name, as its migrations ran
// (search_path); the snapshots leave the name out (core::unqualified_lines), so that tenants at
// the same applied state share one replay. The schema is an identifier the fleet already checked.
void Scratch::make_schemas() {
    auto driver = db::backend_of(m_plan.options.url).connect(m_plan.options);
    if (m_plan.options.schema) {
        driver->execute_internal("CREATE SCHEMA IF NOT EXISTS \"" + *m_plan.options.schema + "\"");
        driver->flush();
    }
    m_made_schemas = make_first_search_path_schema(*driver);
}

Scratch::~Scratch() {
    drop();
}

void Scratch::drop() noexcept {
    if (!m_created || m_keep) {
        return;
    }
    m_created = false;
    try {
        if (!m_plan.drop_sql.empty()) {
            const db::ConnectOptions configured = m_ctx.connect_options(Access::read_write);
            auto admin = db::backend_of(configured.url).connect(configured);
            admin->execute_internal(m_plan.drop_sql);
            admin->flush();
        } else if (!m_plan.options.url.file.empty()) {
            std::error_code ec;
            fs::remove(m_plan.options.url.file, ec);
            fs::remove(m_plan.options.url.file.string() + "-sqlmig-lock", ec);
        }
    } catch (const std::exception& e) {
        spdlog::warn("the scratch database {} was not dropped: {}", label(), e.what());
    }
}

std::string Scratch::label() const {
    return m_plan.options.database_override
               ? *m_plan.options.database_override + " on " + m_plan.options.url.redacted()
               : m_plan.options.url.redacted();
}

QuietReplay::QuietReplay(const Context& ctx) : m_before(spdlog::get_level()) {
    if (!ctx.options.verbose && ctx.target.empty() && m_before < spdlog::level::warn) {
        spdlog::set_level(spdlog::level::warn);
    }
}

QuietReplay::~QuietReplay() {
    spdlog::set_level(static_cast<spdlog::level::level_enum>(m_before));
}

}  // namespace sqlmig::engine
