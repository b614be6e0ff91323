#pragma once
// Executes a plan's steps against a driver: one transaction per migration
// together with its tracking row (or the whole run with --single-transaction),
// files that manage their own transaction, and no-transaction files. Every file
// is read and checked before the first statement runs.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "cli/context.hpp"
#include "cli/files.hpp"
#include "cli/progress.hpp"
#include "core/plan.hpp"
#include "db/driver.hpp"

namespace sqlmig::cli {

// A step with its file read and checked.
struct PreparedStep {
    core::Step step;
    Script script;                // the up or down file (or section)
    FileCheck check;              // transaction mode and checksum of that file
    std::string up_checksum;      // recorded for an up step
};

struct StepOutcome {
    const PreparedStep* step = nullptr;
    std::int64_t duration_ms = 0;
};

// A migration failed; the message says where, what the database said, and the state left behind.
class MigrationError : public Error {
public:
    explicit MigrationError(const std::string& message) : Error(ExitCode::failed, message) {}
};

class Runner {
public:
    Runner(Context& ctx, db::Driver& driver) : m_ctx(ctx), m_driver(driver) {
        m_progress = progress_enabled(ctx.options.progress, ctx.options.quiet, ctx.options.json);
    }

    // Reads and checks every step's file. Throws MigrationFileError or RefusedError
    // before anything runs.
    std::vector<PreparedStep> prepare(const std::vector<core::Step>& steps, bool single_transaction);

    // Runs the steps in order and appends each finished one to done. A failure throws
    // MigrationError after rolling back (or marking the migration failed when it cannot).
    void run(const std::vector<PreparedStep>& steps, bool single_transaction, std::vector<StepOutcome>& done);

    // The backup taken before this run, recorded in each applied migration's tracking row.
    void set_backup(std::string label) { m_backup = std::move(label); }

    // Writes the SQL that run() would execute, tracking statements included.
    void print_sql(const std::vector<PreparedStep>& steps, bool single_transaction, std::ostream& out);

private:
    std::int64_t run_wrapped(const PreparedStep& step, bool outer_transaction);
    std::int64_t run_unwrapped(const PreparedStep& step);
    core::AppliedRow tracking_row(const PreparedStep& step, std::int64_t duration_ms) const;
    void load_stored_sql(const PreparedStep& step);
    std::string stored_down_sql(const core::Migration& migration);
    std::string tracking_sql(const PreparedStep& step, std::int64_t duration_ms) const;
    void record_now(const std::string& sql);
    void mark_running(const PreparedStep& step);
    void unmark_running(const PreparedStep& step);
    [[noreturn]] void fail_unwrapped(const PreparedStep& step, const std::optional<core::Position>& committed_through,
                                     const std::string& error, const std::string& failure_record);
    std::string rolled_back(const PreparedStep& step, bool earlier_steps_done) const;
    std::string rolled_back_after(const PreparedStep& step, const std::vector<StepOutcome>& done) const;
    std::optional<std::string> changed_while_running(const PreparedStep& step, const std::string& ran) const;
    [[noreturn]] void fail(const PreparedStep& step, const db::StatementError& e, const std::string& aftermath);

    Context& m_ctx;
    db::Driver& m_driver;
    core::TableName m_table;
    std::string m_backup;
    core::AppliedRow m_step_sql;  // the stored SQL of the step being run (its up_sql, down_sql, down_checksum)
    bool m_progress = false;  // draw the live line for long migrations
};

// "file:line:col: message" and the server's detail, hint, SQLSTATE and statement, one per line.
std::string describe_statement_error(const std::string& label, const db::StatementError& e);

}  // namespace sqlmig::cli
