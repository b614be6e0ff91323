#include "engine/progress.hpp"

namespace sqlmig::engine {

namespace {

class NoProgress final : public FileProgress {
public:
    void read(std::size_t) override {}
    void statement_sent() override {}
};

}  // namespace

std::unique_ptr<FileProgress> file_progress(const ProgressDisplay& display, const std::string& label,
                                            std::uintmax_t total_bytes) {
    if (display) {
        if (auto meter = display(label, total_bytes)) {
            return meter;
        }
    }
    return std::make_unique<NoProgress>();
}

}  // namespace sqlmig::engine
