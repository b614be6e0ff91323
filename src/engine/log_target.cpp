#include "engine/log_target.hpp"

namespace sqlmig::engine {

namespace {

thread_local std::string t_log_target;

}  // namespace

void set_log_target(std::string name) {
    t_log_target = std::move(name);
}

const std::string& log_target() {
    return t_log_target;
}

}  // namespace sqlmig::engine
