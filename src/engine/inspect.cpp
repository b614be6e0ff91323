#include "engine/inspect.hpp"

#include "core/squash.hpp"
#include "core/tracking_sql.hpp"
#include "db/backend.hpp"
#include "engine/files.hpp"
#include "engine/squashed.hpp"
#include "util/text.hpp"

namespace sqlmig::engine {

namespace {

// A row the old files wrote for a version a baseline now holds: a squashed version, or the
// baseline's own version applied by the file it replaced (another checksum than the baseline's).
bool applied_by_squashed_file(const core::StatusEntry& e) {
    if (!e.row || e.row->state != core::k_state_applied || !e.baseline) {
        return false;
    }
    return e.state == core::EntryState::squashed ||
           (e.migration == e.baseline && e.migration->checksum && *e.migration->checksum != e.row->checksum);
}

std::string squashed_edit(Context& ctx, const core::Status& status, const core::StatusEntry& e,
                          const std::vector<const core::Migration*>& files) {
    std::string names;
    for (const auto* m : files) {
        names += (names.empty() ? "" : ", ") + ctx.file_label(m->up_file);
    }
    return "version " + status.display(e) + " (" + util::printable(e.row->name) + ") was edited after it was applied "
           "and then squashed: its tracking row records " + e.row->checksum + ", which " + names +
           (files.size() == 1 ? " does" : " do") + " not have; restore the file under " +
           ctx.file_label(core::k_squashed_folder) + "/ as it was applied";
}

}  // namespace

std::vector<std::string> validation_problems(Context& ctx, const core::Status& status) {
    std::vector<std::string> problems = core::find_drift(status);
    std::optional<SquashedFiles> squashed;  // read only when a row needs it
    for (const auto& e : status.entries) {
        if (!applied_by_squashed_file(e)) {
            continue;
        }
        if (!squashed) {
            squashed.emplace(ctx);
        }
        const auto files = squashed->of(e.version);
        if (!files.empty() && !squashed->applied_as(e.version, e.row->checksum)) {
            problems.push_back(squashed_edit(ctx, status, e, files));
        }
    }
    return problems;
}

std::unique_ptr<Snapshot> read_snapshot(Context& ctx) {
    auto driver = ctx.connect_during(Access::read_only, [&] { ctx.catalog(); });
    return read_snapshot(ctx, *driver);
}

std::unique_ptr<Snapshot> read_snapshot(Context& ctx, db::Driver& driver) {
    auto snap = std::make_unique<Snapshot>();
    snap->rows = ctx.applied_rows(driver);
    ctx.checksum_applied(snap->rows);
    snap->status = ctx.status_of(snap->rows);
    return snap;
}

std::optional<std::int64_t> statements_in_file(Context& ctx, const core::StatusEntry& entry) {
    const auto direction = entry.row->state == core::k_state_reverting ? core::Direction::down : core::Direction::up;
    const core::Dialect dialect = db::backend_of(ctx.connect_options(Access::read_only).url).dialect();
    try {
        std::int64_t total = 0;
        (void)for_each_statement(ctx.script(*entry.migration, direction), dialect,
                                 [&](core::Statement&&) { ++total; });
        return total;
    } catch (const Error&) {
        return std::nullopt;  // the file is unreadable now: status still shows what the journal says
    }
}

StoredSql stored_sql(Context& ctx, const core::Version& version) {
    auto driver = ctx.connect(Access::read_only);
    const core::TableName table = core::parse_table_name(ctx.config().table);
    std::optional<core::TextRows> rows;
    try {
        rows = driver->query_rows(core::select_stored_sql(table, version, driver->dialect()));
    } catch (const DbError&) {
        return {};  // a table of layout 1 has no stored SQL
    }
    const auto cell = [&](std::size_t col) -> std::optional<std::string> {
        return rows && !rows->empty() && rows->front().size() > col ? rows->front()[col] : std::nullopt;
    };
    return {cell(0), cell(1), cell(2)};
}

std::optional<std::set<std::string>> applied_versions_if_local(Context& ctx) {
    const db::ConnectOptions opts = ctx.connect_options(Access::read_only);
    std::error_code ec;
    if (db::backend_of(opts.url).capabilities().reach != db::Reach::local_file ||
        !std::filesystem::exists(opts.url.file, ec)) {
        return std::nullopt;
    }
    std::set<std::string> applied;
    for (const auto& row : db::make_driver(opts)->read_applied()) {
        applied.insert(row.version.canonical());
    }
    return applied;
}

}  // namespace sqlmig::engine
