// stamp and repair: change the tracking table only, running no migration SQL.

#include <memory>
#include <spdlog/spdlog.h>

#include <iostream>

#include "cli/commands.hpp"
#include "engine/bookkeeping.hpp"
#include "engine/files.hpp"
#include "cli/output.hpp"
#include "core/plan.hpp"
#include "core/tracking_sql.hpp"
#include "util/text.hpp"

namespace sqlmig::cli {

using namespace engine;

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

void run_stamp(Context& ctx, const std::string& target) {
    Bookkeeping book(ctx);
    auto& driver = book.driver();
    const auto rows = ctx.applied_rows(driver);
    const auto status = core::build_status(ctx.catalog().migrations, rows);
    const auto plan = core::plan_stamp(status, target);
    driver.begin();
    util::Json recorded = util::Json::array();
    util::Json removed = util::Json::array();
    for (const auto* m : plan.record) {
        core::AppliedRow row = stamped_row(*m, ctx.up_checksum(*m));
        ctx.add_stored_sql(*m, row);
        driver.execute_internal(core::upsert_row_sql(book.table, row, driver.dialect()));
        spdlog::info("recorded {} as applied (not run)", ctx.file_label(m->up_file));
        recorded.push(m->version.text());
    }
    for (const auto* row : plan.remove) {
        driver.execute_internal(core::delete_row_sql(book.table, row->version, driver.dialect()));
        spdlog::info("removed the record of version {} ({}); its schema changes were not reverted",
                     status.display(row->version), util::printable(row->name));
        removed.push(status.as_written(row->version));
    }
    driver.commit();
    const auto after = core::build_status(ctx.catalog().migrations, driver.read_applied());
    if (ctx.options.json) {
        print_json(util::Json::object().set("recorded", recorded).set("removed", removed).set("current", current_json(after)));
    } else {
        spdlog::info("stamped: the database is now at version {}", current_text(after));
    }
}

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

// Clears failed marks and, with --yes, accepts the checksums of edited applied files.
void run_repair(Context& ctx, bool yes) {
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
    if (!modified.empty() && !yes) {
        std::string msg = "these applied migrations were edited; accepting the new checksums means the database is "
                          "assumed to match the edited files:";
        for (const auto* e : modified) {
            msg += "\n  " + ctx.file_label(e->migration->up_file);
        }
        throw RefusedError(msg + "\nrun 'sqlmig repair --yes' to accept them; nothing was changed");
    }
    driver.begin();
    util::Json cleared = util::Json::array();
    util::Json reapplied = util::Json::array();  // interrupted downs, recorded applied again
    util::Json accepted = util::Json::array();
    util::Json resumed = util::Json::array();  // failed at a statement: run from that statement
    util::Json left = util::Json::array();     // interrupted, and resumed by the next up or down
    for (const auto* e : failed) {
        if (resumes_by_itself(ctx, driver, *e)) {
            const bool up = core::resumable(*e) == core::Direction::up;
            spdlog::info("version {} was interrupted after {} statement(s) and resumes by itself: run 'sqlmig {}'; "
                         "its record was left as it is",
                         status.display(*e), *e->row->statements_done, up ? "up" : "down");
            left.push(core::Status::as_written(*e));
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
            resumed.push(core::Status::as_written(*e));
            continue;
        }
        if (e->row->state == core::k_state_reverting) {
            // It was applied when its down began: applied again, the next down runs that down again.
            driver.execute_internal(
                core::set_state_sql(book.table, e->version, core::k_state_applied, "", driver.dialect()));
            spdlog::info("version {} stopped while its down ran: recorded as applied again, so 'sqlmig down' runs "
                         "its down again (statements of it that committed before the stop run again too)",
                         status.display(*e));
            reapplied.push(core::Status::as_written(*e));
            continue;
        }
        driver.execute_internal(core::delete_row_sql(book.table, e->version, driver.dialect()));
        spdlog::info("cleared the {} mark of version {}; 'sqlmig up' will run it again", core::to_string(e->state),
                     status.display(*e));
        cleared.push(core::Status::as_written(*e));
    }
    for (const auto* e : modified) {
        driver.execute_internal(
            core::set_checksum_sql(book.table, e->version, *e->migration->checksum, driver.dialect()));
        spdlog::info("accepted the new checksum of {}", ctx.file_label(e->migration->up_file));
        accepted.push(core::Status::as_written(*e));
    }
    driver.commit();
    if (ctx.options.json) {
        print_json(util::Json::object()
                       .set("cleared_failed", cleared)
                       .set("recorded_applied_again", reapplied)
                       .set("resumes_at_its_statement", resumed)
                       .set("left_to_resume", left)
                       .set("accepted_checksums", accepted));
    } else if (failed.empty() && modified.empty()) {
        spdlog::info("nothing to repair");
    }
}

}  // namespace

void setup_stamp(CLI::App& app, Context& ctx) {
    const auto stamp_target = std::make_shared<std::string>();
    const auto repair_yes = std::make_shared<bool>(false);
    auto* stamp = app.add_subcommand("stamp", "Record migrations up to TARGET as applied without running them");
    stamp->add_option("target", *stamp_target, "head, a version, or base")->required();
    stamp->callback([&ctx, stamp_target] {
        run_stamp(ctx, *stamp_target);
    });
    auto* repair = app.add_subcommand("repair", "Clear failed marks; with --yes accept edited files' checksums");
    repair->add_flag("--yes", *repair_yes, "Accept the new checksums of edited applied files");
    repair->callback([&ctx, repair_yes] {
        run_repair(ctx, *repair_yes);
    });
}

}  // namespace sqlmig::cli
