#include "cli/runner.hpp"

#include <spdlog/spdlog.h>

#include <chrono>

#include "core/statement_kind.hpp"
#include "core/tracking_sql.hpp"
#include "util/text.hpp"

namespace sqlmig::cli {

namespace {

using Clock = std::chrono::steady_clock;

std::int64_t ms_since(Clock::time_point start) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
}

const char* mode_name(core::TransactionMode mode) {
    switch (mode) {
    case core::TransactionMode::wrapped: return "transaction";
    case core::TransactionMode::own: return "file's own transaction";
    case core::TransactionMode::none: return "no transaction";
    }
    return "";
}

std::string step_title(const PreparedStep& s) {
    return s.step.migration->version.text() + "_" + util::printable(s.step.migration->name);
}

// Where in the file the error is: the server's position when it gave one, else the statement's start.
core::Position error_position(const db::StatementError& e) {
    return e.position > 0 ? core::locate_in_statement(e.statement, static_cast<std::size_t>(e.position - 1))
                          : e.statement.start;
}

// -v logs each statement. Checked first: shortening a statement costs more than
// running a small INSERT on SQLite, and most runs do not log it.
void log_statement(const PreparedStep& step, const core::Statement& s) {
    if (spdlog::should_log(spdlog::level::debug)) {
        spdlog::debug("{}:{}:{}: {}", step.label, s.start.line, s.start.column, util::shorten(s.text, 200));
    }
}

}  // namespace

std::string describe_statement_error(const std::string& label, const db::StatementError& e) {
    const core::Position pos = error_position(e);
    std::string out = label + ":" + std::to_string(pos.line) + ":" + std::to_string(pos.column) + ": " +
                      std::string(util::trim(e.what()));
    if (!e.detail.empty()) {
        out += "\n  DETAIL:   " + e.detail;
    }
    if (!e.hint.empty()) {
        out += "\n  HINT:     " + e.hint;
    }
    if (!e.context.empty()) {
        out += "\n  CONTEXT:  " + util::shorten(e.context, 200);
    }
    if (!e.sqlstate.empty()) {
        out += "\n  " + e.code_label + ":" + std::string(e.code_label.size() < 9 ? 9 - e.code_label.size() : 1, ' ') +
               e.sqlstate;
    }
    out += "\n  statement at " + std::to_string(e.statement.start.line) + ":" +
           std::to_string(e.statement.start.column) + ": " + util::shorten(e.statement.text, 160);
    return out;
}

std::vector<PreparedStep> Runner::prepare(const std::vector<core::Step>& steps, bool single_transaction) {
    m_table = core::parse_table_name(m_ctx.config().table);
    std::vector<PreparedStep> prepared;
    for (const auto& step : steps) {
        PreparedStep p{step, {}, {}, {}, {}};
        const std::string& file = step.direction == core::Direction::up ? step.migration->up_file
                                                                        : *step.migration->down_file;
        p.path = m_ctx.file_path(file);
        p.label = m_ctx.file_label(file);
        p.check = check_file(p.path, p.label, m_driver.dialect(), m_driver.server_version());
        p.up_checksum = step.direction == core::Direction::up
            ? p.check.checksum
            : m_ctx.up_checksum(*step.migration);
        if (single_transaction && p.check.mode != core::TransactionMode::wrapped) {
            throw RefusedError(p.label + " runs " + mode_name(p.check.mode) +
                               ", so it cannot be part of --single-transaction; run without it");
        }
        prepared.push_back(std::move(p));
    }
    return prepared;
}

std::string Runner::tracking_sql(const PreparedStep& step, std::int64_t duration_ms, const std::string& failure) {
    const core::Migration& m = *step.step.migration;
    if (step.step.direction == core::Direction::down && failure.empty()) {
        return core::delete_row_sql(m_table, m.version, m_driver.dialect());
    }
    core::AppliedRow row;
    row.version = m.version;
    row.name = m.name;
    row.checksum = step.up_checksum;
    row.state = failure.empty() ? core::k_state_applied : core::k_state_failed;
    row.applied_at = utc_now_iso8601();
    row.duration_ms = duration_ms;
    row.applied_by = current_user_at_host();
    row.failure = failure;
    row.backup = m_backup;
    return core::upsert_row_sql(m_table, row, m_driver.dialect());
}

void Runner::fail(const PreparedStep& step, const db::StatementError& e, const std::string& aftermath) {
    throw MigrationError(describe_statement_error(step.label, e) + "\n" + aftermath);
}

// The file runs inside sqlmig's transaction (begun here unless the caller holds one
// for --single-transaction), with its tracking row.
std::int64_t Runner::run_wrapped(const PreparedStep& step, bool outer_transaction) {
    const auto start = Clock::now();
    if (!outer_transaction) {
        m_driver.begin();
    }
    for_each_statement(step.path, step.label, m_driver.dialect(), [&](const core::Statement& s) {
        log_statement(step, s);
        m_driver.execute(s);
    });
    m_driver.flush();
    const std::int64_t duration = ms_since(start);
    m_driver.execute_internal(tracking_sql(step, duration, ""));
    if (!outer_transaction) {
        m_driver.commit();
    }
    return duration;
}

// The file manages its own transaction, or runs without one: statements one by
// one, the tracking row right after. What already committed cannot be undone, so
// a failure after that marks the migration failed.
std::int64_t Runner::run_unwrapped(const PreparedStep& step) {
    const auto start = Clock::now();
    const bool each_alone = step.check.mode == core::TransactionMode::none;
    bool changed_something = false;
    try {
        for_each_statement(step.path, step.label, m_driver.dialect(), [&](const core::Statement& s) {
            log_statement(step, s);
            m_driver.execute(s);
            const auto kind = core::classify(s, m_driver.dialect(), m_driver.server_version());
            if (each_alone || kind == core::StatementKind::transaction_end) {
                m_driver.flush();
                changed_something = true;
            }
        });
        m_driver.flush();
        if (m_driver.in_transaction()) {
            m_driver.rollback();
            throw MigrationError(step.label + ": the file opens a transaction and never commits it; it was rolled back" +
                                 std::string(changed_something ? " (statements before it stay applied)" : "") +
                                 "; end the file with COMMIT;");
        }
    } catch (const db::StatementError& e) {
        m_driver.rollback();
        if (!changed_something) {
            fail(step, e, "nothing of " + step_title(step) + " was applied (rolled back)");
        }
        const core::Position pos = error_position(e);
        const std::string where = step.label + ":" + std::to_string(pos.line) + ":" + std::to_string(pos.column);
        m_driver.execute_internal(tracking_sql(step, ms_since(start), where + ": " + std::string(util::trim(e.what()))));
        m_driver.flush();
        fail(step, e, step_title(step) + " ran partway and cannot be rolled back; it is marked failed. Fix the database "
                      "by hand, then run 'sqlmig repair'");
    }
    const std::int64_t duration = ms_since(start);
    // Between the file's own commit and this row there is a short window; see docs/migrations.md.
    m_driver.execute_internal(tracking_sql(step, duration, ""));
    m_driver.flush();
    return duration;
}

void Runner::run(const std::vector<PreparedStep>& steps, bool single_transaction, std::vector<StepOutcome>& done) {
    db::BatchGuard batch(m_driver);
    if (single_transaction) {
        m_driver.begin();
    }
    for (const auto& step : steps) {
        const char* verb = step.step.direction == core::Direction::up ? "applying" : "reverting";
        spdlog::info("{} {} ({})", verb, step.label, mode_name(step.check.mode));
        if (step.check.auto_no_transaction) {
            spdlog::info("{} holds only statements that cannot run in a transaction; running it without one",
                         step.label);
        }
        std::int64_t duration = 0;
        try {
            duration = step.check.mode == core::TransactionMode::wrapped ? run_wrapped(step, single_transaction)
                                                                         : run_unwrapped(step);
        } catch (const db::StatementError& e) {
            m_driver.rollback();
            fail(step, e,
                 single_transaction ? "the whole run was rolled back (--single-transaction); nothing was applied"
                                    : "nothing of " + step_title(step) + " was applied (rolled back)" +
                                          (done.empty() ? std::string() : "; the migrations before it stay applied"));
        } catch (...) {
            m_driver.rollback();
            throw;
        }
        done.push_back({&step, duration});
        if (!single_transaction) {
            spdlog::info("{} {} in {} ms", step.step.direction == core::Direction::up ? "applied" : "reverted",
                         step_title(step), duration);
        }
    }
    if (single_transaction) {
        m_driver.commit();
        spdlog::info("committed {} migration(s) in one transaction", done.size());
    }
}

void Runner::print_sql(const std::vector<PreparedStep>& steps, bool single_transaction, std::ostream& out) {
    out << "-- generated by sqlmig for " << m_ctx.database_label() << "\n";
    if (const std::string schema = core::create_schema_sql(m_table); !schema.empty()) {
        out << schema << ";\n";
    }
    out << core::create_table_sql(m_table, m_driver.dialect()) << ";\n\n";
    if (single_transaction) {
        out << "BEGIN;\n\n";
    }
    for (const auto& step : steps) {
        out << "-- " << step.label << " (" << mode_name(step.check.mode) << ")\n";
        const bool wrap = step.check.mode == core::TransactionMode::wrapped && !single_transaction;
        if (wrap) {
            out << "BEGIN;\n";
        }
        for_each_statement(step.path, step.label, m_driver.dialect(),
                           [&](const core::Statement& s) { out << s.text << ";\n"; });
        out << tracking_sql(step, 0, "") << ";\n";
        if (wrap) {
            out << "COMMIT;\n";
        }
        out << "\n";
    }
    if (single_transaction) {
        out << "COMMIT;\n";
    }
}

}  // namespace sqlmig::cli
