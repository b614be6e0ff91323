#pragma once
// The live line a long migration shows on a terminal:
//   migrations/004_fill.up.sql: 1,204 statements, 3.1 MB of 48.0 MB, 12 s
// drawn on stderr by a thread at most 10 times a second, only once the migration
// has run for a second, and erased when it ends. Logs are never written while it
// shows (the runner logs between migrations).

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <thread>

#include "engine/context.hpp"
#include "engine/progress.hpp"

namespace sqlmig::cli {

using engine::ProgressMode;

class Progress final : public engine::FileProgress {
public:
    // Starts drawing for one file of total_bytes when enabled; a no-op otherwise.
    Progress(bool enabled, std::string label, std::uintmax_t total_bytes);
    ~Progress() override;  // stops and erases the line
    Progress(const Progress&) = delete;
    Progress& operator=(const Progress&) = delete;

    void read(std::size_t bytes) override { m_bytes.fetch_add(bytes, std::memory_order_relaxed); }
    void statement_sent() override { m_statements.fetch_add(1, std::memory_order_relaxed); }

private:
    void draw(std::chrono::steady_clock::duration elapsed);

    std::string m_label;
    std::uintmax_t m_total;
    std::atomic<std::uintmax_t> m_bytes{0};
    std::atomic<std::uintmax_t> m_statements{0};
    bool m_drawn = false;
    std::string m_last_line;
    std::jthread m_thread;
};

// Whether to draw, from --progress, -q, --json and whether stderr is a terminal.
bool progress_enabled(ProgressMode mode, bool quiet, bool json);

// The engine's progress display for these options (read when a file starts, after parsing):
// the live line on stderr, or nothing.
engine::ProgressDisplay live_progress_line(const engine::GlobalOptions& options);

}  // namespace sqlmig::cli
