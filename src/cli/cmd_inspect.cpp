// Read-only commands: status, current, history, validate, check. They create
// nothing: no database file, no tracking table, no lock.

#include <memory>
#include <spdlog/spdlog.h>

#include <iostream>

#include "cli/commands.hpp"
#include "engine/inspect.hpp"
#include "cli/output.hpp"
#include "cli/usage.hpp"
#include "core/plan.hpp"
#include "util/text.hpp"

namespace sqlmig::cli {

using namespace engine;

namespace {

// An interrupted migration's statement journal: how many of its file's statements committed, of how
// many (the file read again; nullopt when it cannot be).
struct Progress {
    std::int64_t done = 0;
    std::optional<std::int64_t> total;
};

std::optional<Progress> progress_of(Context& ctx, const core::StatusEntry& e) {
    if (!e.row || !e.row->statements_done || !e.migration || e.migration->stored) {
        return std::nullopt;
    }
    return Progress{*e.row->statements_done, statements_in_file(ctx, e)};
}

std::string state_text(Context& ctx, const core::StatusEntry& e) {
    std::string s = core::to_string(e.state);
    if (e.row && e.row->state == core::k_state_reverting) {
        s += " (its down)";
    }
    if (const auto p = progress_of(ctx, e)) {
        s += ", " + std::to_string(p->done) + (p->total ? " of " + std::to_string(*p->total) : std::string()) +
             " statements done";
    }
    if (e.baseline && e.baseline == e.migration) {
        s += " (baseline)";
    } else if (e.state == core::EntryState::squashed) {
        s += " (into " + util::printable(e.baseline->up_file) + ")";
    } else if (e.migration && e.migration->stored) {
        s += " (stored)";
    }
    return e.out_of_order ? s + " (out of order)" : s;
}

// The file's name, and the one the tracking table recorded when they differ.
std::string name_text(const core::StatusEntry& e) {
    std::string text = util::printable(e.name);
    if (e.row && e.migration && !e.migration->stored && !core::same_name(e.row->name, e.migration->name)) {
        text += " (recorded as " + util::printable(e.row->name) + ")";
    }
    return text;
}

void run_status(Context& ctx) {
    const auto snap = read_snapshot(ctx);
    const auto& status = snap->status;
    if (ctx.options.json) {
        util::Json list = util::Json::array();
        for (const auto& e : status.entries) {
            util::Json progress;
            if (const auto p = progress_of(ctx, e)) {
                progress = util::Json::object()
                               .set("statements_done", p->done)
                               .set("statements", p->total ? util::Json(*p->total) : util::Json());
            }
            list.push(util::Json::object()
                          .set("version", core::Status::as_written(e))
                          .set("name", e.name)
                          .set("state", core::to_string(e.state))
                          .set("progress", std::move(progress))
                          .set("out_of_order", e.out_of_order)
                          .set("applied_at", e.row ? util::Json(e.row->applied_at) : util::Json())
                          .set("file", e.migration ? util::Json(ctx.file_label(e.migration->up_file)) : util::Json()));
        }
        print_json(util::Json::object()
                       .set("database", ctx.database_label())
                       .set("current", current_json(status))
                       .set("pending", status.pending_count())
                       .set("migrations", list));
        return;
    }
    std::vector<std::string_view> cells = {"VERSION", "NAME", "STATE", "APPLIED AT"};
    std::vector<std::string> texts;  // cells that are not in the status already; reserved: cells point into it
    cells.reserve(cells.size() + 4 * status.entries.size());
    texts.reserve(3 * status.entries.size());
    for (const auto& e : status.entries) {
        cells.push_back(texts.emplace_back(status.display(e)));
        cells.push_back(texts.emplace_back(name_text(e)));
        const bool qualified = e.out_of_order || (e.migration && e.migration->stored) || e.baseline ||
                               (e.row && (e.row->state == core::k_state_reverting || e.row->statements_done));
        cells.push_back(qualified ? std::string_view(texts.emplace_back(state_text(ctx, e))) : core::to_string(e.state));
        cells.push_back(e.row ? std::string_view(e.row->applied_at) : std::string_view());
    }
    print_table(cells, 4, 2);  // STATE
    if (const auto foreign = ctx.another_folder(status)) {
        spdlog::warn("{}", *foreign);
    }
    std::cout << "\ndatabase: " << ctx.database_label() << "\ncurrent:  " << current_text(status)
              << "\npending:  " << status.pending_count() << '\n';
}

void run_current(Context& ctx) {
    const auto snap = read_snapshot(ctx);
    if (ctx.options.json) {
        print_json(util::Json::object().set("current", current_json(snap->status)));
    } else {
        std::cout << current_text(snap->status) << '\n';
    }
}

// history --sql VERSION: the SQL the tracking table kept for one applied migration.
void print_stored_sql(Context& ctx, const core::StatusEntry& e) {
    const StoredSql stored = stored_sql(ctx, e.version);
    const auto json_or_null = [](const std::optional<std::string>& s) { return s ? util::Json(*s) : util::Json(); };
    if (ctx.options.json) {
        util::Json item = util::Json::object()
                              .set("version", core::Status::as_written(e))
                              .set("name", e.name)
                              .set("state", e.row->state)
                              .set("applied_at", e.row->applied_at)
                              .set("applied_by", e.row->applied_by)
                              .set("duration_ms", e.row->duration_ms)
                              .set("checksum", e.row->checksum)
                              .set("up_sql", json_or_null(stored.up))
                              .set("down_sql", json_or_null(stored.down))
                              .set("down_checksum", json_or_null(stored.down_checksum));
        print_json(util::Json::object().set("history", util::Json::array().push(item)));
        return;
    }
    std::cout << "-- " << e.version.display() << " " << util::printable(e.name) << ": up, as applied "
              << e.row->applied_at << "\n"
              << stored.up.value_or("-- (not stored)\n");
    std::cout << "-- down" << (stored.down_checksum ? " (" + *stored.down_checksum + ")" : std::string())
              << ", as it was then\n"
              << stored.down.value_or("-- (not stored)\n");
}

void run_history(Context& ctx, bool verbose, const std::string& sql_version) {
    const auto snap = read_snapshot(ctx);
    std::vector<const core::StatusEntry*> applied;
    for (auto it = snap->status.entries.rbegin(); it != snap->status.entries.rend(); ++it) {
        if (it->row) {
            applied.push_back(&*it);
        }
    }
    if (!sql_version.empty()) {
        for (const auto* e : applied) {
            if (snap->status.display(*e) == sql_version || e->version.canonical() == sql_version ||
                e->version.text() == sql_version) {
                print_stored_sql(ctx, *e);
                return;
            }
        }
        throw UsageError("no applied migration has version '" + util::printable(sql_version) +
                         "'; 'sqlmig history' lists them");
    }
    if (ctx.options.json) {
        util::Json list = util::Json::array();
        for (const auto* e : applied) {
            util::Json item = util::Json::object()
                                  .set("version", core::Status::as_written(*e))
                                  .set("name", e->name)
                                  .set("state", e->row->state)
                                  .set("applied_at", e->row->applied_at)
                                  .set("applied_by", e->row->applied_by)
                                  .set("duration_ms", e->row->duration_ms)
                                  .set("checksum", e->row->checksum);
            if (verbose) {
                item.set("up_file", e->migration ? util::Json(ctx.file_label(e->migration->up_file)) : util::Json());
                item.set("down_file", e->migration && e->migration->down_file
                                          ? util::Json(ctx.file_label(*e->migration->down_file)) : util::Json());
                item.set("failure", e->row->failure.empty() ? util::Json() : util::Json(e->row->failure));
                item.set("backup", e->row->backup.empty() ? util::Json() : util::Json(e->row->backup));
            }
            list.push(item);
        }
        print_json(util::Json::object().set("history", list));
        return;
    }
    if (applied.empty()) {
        std::cout << "no migration has been applied to " << ctx.database_label() << '\n';
        return;
    }
    std::vector<std::vector<std::string>> table = {{"VERSION", "NAME", "APPLIED AT", "BY", "DURATION", "CHECKSUM"}};
    for (const auto* e : applied) {
        const std::string sum = verbose ? e->row->checksum : e->row->checksum.substr(0, 19);
        table.push_back(
            {snap->status.display(*e), util::printable(e->name),
             e->row->applied_at + (e->row->state != core::k_state_applied ? " (" + e->row->state + ")" : ""),
             util::printable(e->row->applied_by), util::human_duration(e->row->duration_ms), sum});
    }
    print_table(table, 2);  // APPLIED AT, with "(failed)" when it is not applied
    if (verbose) {
        for (const auto* e : applied) {
            std::cout << "\n" << snap->status.display(*e) << ":\n";
            if (e->migration) {
                std::cout << "  up:      " << ctx.file_label(e->migration->up_file) << '\n';
                std::cout << "  down:    "
                          << (e->migration->down_file ? ctx.file_label(*e->migration->down_file) : "(none: irreversible)")
                          << '\n';
            } else {
                std::cout << "  files:   missing\n";
            }
            if (!e->row->failure.empty()) {
                std::cout << "  failure: " << util::printable(e->row->failure) << '\n';
            }
            if (!e->row->backup.empty()) {
                std::cout << "  backup:  " << util::printable(e->row->backup) << '\n';
            }
        }
    }
}

// Whether nothing may be pending: `check` requires it, `validate` does not.
enum class Pending { allowed, refused };

// validate and check share this: check also requires nothing pending.
void run_validate(Context& ctx, Pending pending_policy) {
    const bool require_up_to_date = pending_policy == Pending::refused;
    const auto snap = read_snapshot(ctx);
    const auto& status = snap->status;
    // From another folder, what differs is everything; the one problem is which database this is.
    const auto foreign = ctx.another_folder(status);
    const auto problems = foreign ? std::vector<std::string>{*foreign} : validation_problems(ctx, status);
    const std::size_t pending = status.pending_count();
    const bool ok = problems.empty() && (!require_up_to_date || pending == 0);
    if (ctx.options.json) {
        util::Json list = util::Json::array();
        for (const auto& p : problems) {
            list.push(p);
        }
        util::Json doc = util::Json::object().set("ok", ok).set("problems", list);
        if (require_up_to_date) {
            doc.set("pending", pending).set("current", current_json(status));
        }
        print_json(doc);
    } else {
        for (const auto& p : problems) {
            std::cout << "problem: " << p << '\n';
        }
        if (require_up_to_date && pending > 0) {
            std::cout << pending << " migration(s) pending; run 'sqlmig up'\n";
        }
        if (ok) {
            std::cout << (require_up_to_date ? "ok: up to date at version " + current_text(status)
                                             : "ok: every applied migration matches its file")
                      << '\n';
        }
    }
    if (!ok) {
        throw RefusedError(require_up_to_date ? "check failed" : "validate found " + std::to_string(problems.size()) +
                                                                     " problem(s)");
    }
}

}  // namespace

void setup_inspect(CLI::App& app, Context& ctx) {
    const auto history_verbose = std::make_shared<bool>(false);
    const auto history_sql = std::make_shared<std::string>();
    app.add_subcommand("status", "Show every migration and its state")->callback([&ctx] {
        run_status(ctx);
    });
    app.add_subcommand("current", "Print the current version")->callback([&ctx] {
        run_current(ctx);
    });
    auto* history = app.add_subcommand("history", "List applied migrations, newest first");
    history->add_flag("--verbose", *history_verbose, "Show full checksums, file paths, failures and backups");
    non_empty(history->add_option("--sql", *history_sql, "Print the up and down SQL stored for this applied version")
                  ->type_name("VERSION"));
    history->callback([&ctx, history_verbose, history_sql] {
        run_history(ctx, *history_verbose || ctx.options.verbose, *history_sql);
    });
    app.add_subcommand("validate", "Check that applied migrations still match their files (exit 3 if not)")
        ->callback([&ctx] {
            run_validate(ctx, Pending::allowed);
        });
    app.add_subcommand("check", "Exit 0 only when validate passes and nothing is pending (exit 3 if not)")
        ->callback([&ctx] {
            run_validate(ctx, Pending::refused);
        });
}

}  // namespace sqlmig::cli
