#pragma once
// What a running file tells whoever shows its progress. The engine only counts; the command
// line draws the live line (src/cli/progress.hpp), and tests and fleets show nothing.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace sqlmig::engine {

// --progress: auto draws on a terminal only; never with -q or --json.
enum class ProgressMode { automatic, always, never };

// One file's meter: bytes read and statements sent, called on the runner's thread.
class FileProgress {
public:
    virtual ~FileProgress() = default;
    virtual void read(std::size_t bytes) = 0;
    virtual void statement_sent() = 0;
};

// Makes the meter of one file about to run (its label and size); null shows nothing.
using ProgressDisplay = std::function<std::unique_ptr<FileProgress>(const std::string& label, std::uintmax_t total_bytes)>;

// A meter for `label`: the display's, or one that counts nowhere when there is none.
std::unique_ptr<FileProgress> file_progress(const ProgressDisplay& display, const std::string& label,
                                            std::uintmax_t total_bytes);

}  // namespace sqlmig::engine
