#include "cli/progress.hpp"

#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>

#include "util/text.hpp"

namespace sqlmig::cli {

namespace {

using Clock = std::chrono::steady_clock;
constexpr auto k_first_draw = std::chrono::seconds(1);
constexpr auto k_interval = std::chrono::milliseconds(100);  // at most 10 redraws a second

// 1204 -> "1,204"
std::string with_thousands(std::uintmax_t n) {
    const std::string digits = std::to_string(n);
    std::string out;
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0) {
            out += ',';
        }
        out += digits[i];
    }
    return out;
}

}  // namespace

bool progress_enabled(ProgressMode mode, bool quiet, bool json) {
    if (mode == ProgressMode::never || quiet || json) {
        return false;
    }
    return mode == ProgressMode::always || ::isatty(STDERR_FILENO);
}

Progress::Progress(bool enabled, std::string label, std::uintmax_t total_bytes)
    : m_label(std::move(label)), m_total(total_bytes) {
    if (!enabled) {
        return;
    }
    m_thread = std::jthread([this](std::stop_token stop) {
        const auto start = Clock::now();
        std::mutex mutex;
        std::condition_variable_any wake;
        std::unique_lock lock(mutex);
        while (!stop.stop_requested()) {
            wake.wait_for(lock, stop, k_interval, [] { return false; });  // woken early by the stop
            if (stop.stop_requested()) {
                break;
            }
            const auto elapsed = Clock::now() - start;
            if (elapsed >= k_first_draw) {
                draw(elapsed);
            }
        }
    });
}

Progress::~Progress() {
    if (m_thread.joinable()) {
        m_thread.request_stop();
        m_thread.join();
    }
    if (m_drawn) {
        std::fputs("\r\x1b[K", stderr);  // erase the line: the log line that follows replaces it
        std::fflush(stderr);
    }
}

void Progress::draw(Clock::duration elapsed) {
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(elapsed).count();
    const std::uintmax_t read = std::min(m_bytes.load(std::memory_order_relaxed), m_total);
    const std::string line = "\r\x1b[K" + m_label + ": " +
                             with_thousands(m_statements.load(std::memory_order_relaxed)) + " statements sent, " +
                             util::human_size(read) + " of " + util::human_size(m_total) + ", " +
                             std::to_string(seconds) + " s";
    if (line == m_last_line) {
        return;  // nothing moved: no redraw
    }
    std::fputs(line.c_str(), stderr);
    std::fflush(stderr);
    m_last_line = line;
    m_drawn = true;
}

engine::ProgressDisplay live_progress_line(const engine::GlobalOptions& options) {
    return [&options](const std::string& label, std::uintmax_t total_bytes) -> std::unique_ptr<engine::FileProgress> {
        if (!progress_enabled(options.progress, options.quiet, options.json)) {
            return nullptr;
        }
        return std::make_unique<Progress>(true, label, total_bytes);
    };
}

}  // namespace sqlmig::cli
