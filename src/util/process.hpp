#pragma once
// Runs a program without a shell: an argument vector, extra environment
// variables, a working directory, and where its output goes. Used for
// pg_dump/pg_restore/psql and for hooks (which run "/bin/sh -c <command>").

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace sqlmig::util {

struct ProcessSpec {
    std::vector<std::string> argv;  // argv[0] is looked up in PATH when it has no '/'
    // Added to (or replacing in) this process's environment.
    std::vector<std::pair<std::string, std::string>> env;
    std::filesystem::path cwd;      // empty: this process's working directory
    // The child's stdout: -1 captures it into ProcessResult::out; otherwise this descriptor
    // (e.g. 2 to show it on our stderr, or an open file).
    int stdout_fd = -1;
    // The child's stderr: captured into ProcessResult::err when true (the last 64 KiB),
    // otherwise shared with ours.
    bool capture_stderr = true;
    // The child's stdin: -1 shares ours; otherwise this descriptor (an open file).
    int stdin_fd = -1;
    // A descriptor the child gets as its fd 3 (/dev/fd/3), e.g. an option file holding a secret.
    int fd3 = -1;
};

struct ProcessResult {
    int exit_code = -1;   // the exit status, or -1 when killed by a signal
    int signal = 0;       // the signal that killed it, 0 when it exited
    std::string out;
    std::string err;
    bool ok() const { return exit_code == 0; }
    // "exited with status 3" / "was killed by signal 9"
    std::string describe() const;
};

// Starts the program and waits for it. Throws std::system_error when it cannot be
// started at all (not found, not executable), naming argv[0].
ProcessResult run_process(const ProcessSpec& spec);

}  // namespace sqlmig::util
