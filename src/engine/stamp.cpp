// stamp and repair: change the tracking table only, running no migration SQL.
#include "engine/stamp.hpp"

#include <spdlog/spdlog.h>

#include "core/tracking_sql.hpp"
#include "engine/bookkeeping.hpp"
#include "engine/files.hpp"
#include "util/text.hpp"

namespace sqlmig::engine {

namespace {

core::AppliedRow stamped_row(const core::Migration& m, const std::string& checksum) {
    core::AppliedRow row;
    row.version = m.version;
    row.name = m.name;
    row.checksum = checksum;
    row.applied_at = utc_now_iso8601();
    row.applied_by = current_user_at_host();
    return row;
}

}  // namespace

StampOutcome stamp(Context& ctx, const std::string& target) {
    Bookkeeping book(ctx);
    auto& driver = book.driver();
    const auto rows = ctx.applied_rows(driver);
    const auto status = core::build_status(ctx.catalog().migrations, rows);
    const auto plan = core::plan_stamp(status, target);
    StampOutcome out;
    db::TransactionGuard transaction(driver);
    for (const auto* m : plan.record) {
        core::AppliedRow row = stamped_row(*m, ctx.up_checksum(*m));
        ctx.add_stored_sql(*m, row);
        driver.execute_internal(core::upsert_row_sql(book.table, row, driver.dialect()));
        spdlog::info("recorded {} as applied (not run)", ctx.file_label(m->up_file));
        out.recorded.push_back(m->version.text());
    }
    for (const auto* row : plan.remove) {
        driver.execute_internal(core::delete_row_sql(book.table, row->version, driver.dialect()));
        spdlog::info("removed the record of version {} ({}); its schema changes were not reverted",
                     status.display(row->version), util::printable(row->name));
        out.removed.push_back(status.as_written(row->version));
    }
    transaction.commit();
    const auto rows_after = driver.read_applied();
    const core::Status after = core::build_status(ctx.catalog().migrations, rows_after);
    if (after.current) {
        out.current = after.as_written(*after.current);
    }
    out.current_shown = core::current_text(after);
    return out;
}

namespace {

// The checksum of the migration's down file as it is now ("" when it has none or it cannot be read).
std::string down_checksum(Context& ctx, db::Driver& driver, const core::StatusEntry& e) {
    if (!e.migration || e.migration->stored || !e.migration->down_file) {
        return "";
    }
    try {
        return check_file(ctx.script(*e.migration, core::Direction::down), driver.dialect(), driver.server_version())
            .checksum;
    } catch (const Error&) {
        return "";
    }
}

// An interrupted migration whose journal counts its file as it is now: the next up (or down)
// resumes it, and repair must not make it run from its first statement again.
bool resumes_by_itself(Context& ctx, db::Driver& driver, const core::StatusEntry& e) {
    const auto direction = core::resumable(e);
    if (!direction) {
        return false;
    }
    if (*direction == core::Direction::up) {
        return e.migration->checksum && *e.migration->checksum == e.row->journal_checksum;
    }
    return down_checksum(ctx, driver, e) == e.row->journal_checksum;
}

}  // namespace

RepairOutcome repair(Context& ctx, AcceptEdits accept) {
    Bookkeeping book(ctx);
    auto& driver = book.driver();
    const auto rows = ctx.applied_rows(driver);
    ctx.checksum_applied(rows);
    const auto status = core::build_status(ctx.catalog().migrations, rows);
    std::vector<const core::StatusEntry*> failed, modified;
    for (const auto& e : status.entries) {
        if (core::is_unfinished(e.state)) {
            failed.push_back(&e);
        } else if (e.state == core::EntryState::modified) {
            modified.push_back(&e);
        }
    }
    if (!modified.empty() && accept == AcceptEdits::no) {
        std::string msg = "these applied migrations were edited; accepting the new checksums means the database is "
                          "assumed to match the edited files:";
        for (const auto* e : modified) {
            msg += "\n  " + ctx.file_label(e->migration->up_file);
        }
        throw RefusedError(msg + "\nrun 'sqlmig repair --yes' to accept them; nothing was changed");
    }
    RepairOutcome out;
    out.nothing_to_repair = failed.empty() && modified.empty();
    db::TransactionGuard transaction(driver);
    for (const auto* e : failed) {
        if (resumes_by_itself(ctx, driver, *e)) {
            const bool up = core::resumable(*e) == core::Direction::up;
            spdlog::info("version {} was interrupted after {} statement(s) and resumes by itself: run 'sqlmig {}'; "
                         "its record was left as it is",
                         status.display(*e), *e->row->statements_done, up ? "up" : "down");
            out.left.push_back(core::Status::as_written(*e));
            continue;
        }
        const bool failed_down = e->state == core::EntryState::failed && e->row->statements_done && e->migration &&
                                 !core::resumable_after_repair(*e) &&
                                 down_checksum(ctx, driver, *e) == e->row->journal_checksum;
        if (core::resumable_after_repair(*e) || failed_down) {
            driver.execute_internal(core::set_state_sql(book.table, e->version,
                                                        failed_down ? core::k_state_reverting : core::k_state_running,
                                                        core::k_checked_by_repair, driver.dialect()));
            spdlog::info("version {} stopped at its statement {}: recorded that its first {} statement(s) committed "
                         "and that one was checked, so 'sqlmig {}' runs it from that statement",
                         status.display(*e), *e->row->statements_done + 1, *e->row->statements_done,
                         failed_down ? "down" : "up");
            out.resumed.push_back(core::Status::as_written(*e));
            continue;
        }
        if (e->row->state == core::k_state_reverting) {
            // It was applied when its down began: applied again, the next down runs that down again.
            driver.execute_internal(
                core::set_state_sql(book.table, e->version, core::k_state_applied, "", driver.dialect()));
            spdlog::info("version {} stopped while its down ran: recorded as applied again, so 'sqlmig down' runs "
                         "its down again (statements of it that committed before the stop run again too)",
                         status.display(*e));
            out.reapplied.push_back(core::Status::as_written(*e));
            continue;
        }
        driver.execute_internal(core::delete_row_sql(book.table, e->version, driver.dialect()));
        spdlog::info("cleared the {} mark of version {}; 'sqlmig up' will run it again", core::to_string(e->state),
                     status.display(*e));
        out.cleared.push_back(core::Status::as_written(*e));
    }
    for (const auto* e : modified) {
        driver.execute_internal(
            core::set_checksum_sql(book.table, e->version, *e->migration->checksum, driver.dialect()));
        spdlog::info("accepted the new checksum of {}", ctx.file_label(e->migration->up_file));
        out.accepted.push_back(core::Status::as_written(*e));
    }
    transaction.commit();
    return out;
}

}  // namespace sqlmig::engine
