#pragma once
// The fleet target a thread works on, for its log lines ("[name] "): the engine sets it on each
// worker, the command line's log pattern prints it.

#include <string>

namespace sqlmig::engine {

// The fleet target this thread works on ("" for none).
void set_log_target(std::string name);
const std::string& log_target();

}  // namespace sqlmig::engine
