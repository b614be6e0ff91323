#include "util/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <system_error>

#include "util/unique_fd.hpp"

extern char** environ;

namespace sqlmig::util {

namespace {

constexpr std::size_t k_max_captured_err = 64 * 1024;

// Owns posix_spawn's file actions.
class FileActions {
public:
    FileActions() { posix_spawn_file_actions_init(&m_actions); }
    ~FileActions() { posix_spawn_file_actions_destroy(&m_actions); }
    FileActions(const FileActions&) = delete;
    FileActions& operator=(const FileActions&) = delete;
    posix_spawn_file_actions_t* get() { return &m_actions; }

private:
    posix_spawn_file_actions_t m_actions{};
};

std::vector<std::string> child_environment(const std::vector<std::pair<std::string, std::string>>& extra) {
    std::map<std::string, std::string> vars;
    for (char** e = environ; e && *e; ++e) {
        const std::string entry(*e);
        const std::size_t eq = entry.find('=');
        if (eq != std::string::npos) {
            vars[entry.substr(0, eq)] = entry.substr(eq + 1);
        }
    }
    for (const auto& [name, value] : extra) {
        vars[name] = value;
    }
    std::vector<std::string> out;
    out.reserve(vars.size());
    for (const auto& [name, value] : vars) {
        out.push_back(name + "=" + value);
    }
    return out;
}

std::vector<char*> c_strings(std::vector<std::string>& strings) {
    std::vector<char*> out;
    out.reserve(strings.size() + 1);
    for (auto& s : strings) {
        out.push_back(s.data());
    }
    out.push_back(nullptr);
    return out;
}

std::pair<UniqueFd, UniqueFd> make_pipe() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
        throw std::system_error(errno, std::generic_category(), "pipe");
    }
    return {UniqueFd(fds[0]), UniqueFd(fds[1])};
}

// Reads both pipes until the child closes them; err keeps only its tail.
void drain(UniqueFd& out_fd, UniqueFd& err_fd, ProcessResult& result) {
    char buf[65536];
    while (out_fd || err_fd) {
        pollfd fds[2];
        nfds_t n = 0;
        if (out_fd) {
            fds[n++] = {out_fd.get(), POLLIN, 0};
        }
        if (err_fd) {
            fds[n++] = {err_fd.get(), POLLIN, 0};
        }
        if (::poll(fds, n, -1) < 0) {
            if (errno == EINTR) {
                continue;
            }
            throw std::system_error(errno, std::generic_category(), "poll");
        }
        for (nfds_t i = 0; i < n; ++i) {
            if (fds[i].revents == 0) {
                continue;
            }
            const bool is_out = out_fd && fds[i].fd == out_fd.get();
            const ssize_t got = ::read(fds[i].fd, buf, sizeof buf);
            if (got < 0 && errno == EINTR) {
                continue;
            }
            if (got <= 0) {
                (is_out ? out_fd : err_fd).reset();
                continue;
            }
            std::string& dest = is_out ? result.out : result.err;
            dest.append(buf, static_cast<std::size_t>(got));
            if (!is_out && dest.size() > 2 * k_max_captured_err) {
                dest.erase(0, dest.size() - k_max_captured_err);
            }
        }
    }
}

}  // namespace

std::string ProcessResult::describe() const {
    if (signal != 0) {
        return "was killed by signal " + std::to_string(signal) + " (" + strsignal(signal) + ")";
    }
    return "exited with status " + std::to_string(exit_code);
}

ProcessResult run_process(const ProcessSpec& spec) {
    if (spec.argv.empty()) {
        throw std::system_error(EINVAL, std::generic_category(), "run_process: empty argv");
    }
    FileActions actions;
    UniqueFd out_read, out_write, err_read, err_write;
    if (spec.stdout_fd < 0) {
        std::tie(out_read, out_write) = make_pipe();
        posix_spawn_file_actions_adddup2(actions.get(), out_write.get(), STDOUT_FILENO);
    } else if (spec.stdout_fd != STDOUT_FILENO) {
        posix_spawn_file_actions_adddup2(actions.get(), spec.stdout_fd, STDOUT_FILENO);
    }
    if (spec.stdin_fd >= 0 && spec.stdin_fd != STDIN_FILENO) {
        posix_spawn_file_actions_adddup2(actions.get(), spec.stdin_fd, STDIN_FILENO);
    }
    if (spec.capture_stderr) {
        std::tie(err_read, err_write) = make_pipe();
        posix_spawn_file_actions_adddup2(actions.get(), err_write.get(), STDERR_FILENO);
    }
    if (spec.fd3 >= 0) {
        // Last, so that nothing above reads the 3 it replaces; dup2 onto 3 also clears FD_CLOEXEC.
        posix_spawn_file_actions_adddup2(actions.get(), spec.fd3, 3);
    }
    if (!spec.cwd.empty()) {
        posix_spawn_file_actions_addchdir_np(actions.get(), spec.cwd.c_str());
    }
    std::vector<std::string> argv_strings = spec.argv;
    std::vector<std::string> env_strings = child_environment(spec.env);
    const auto argv = c_strings(argv_strings);
    const auto envp = c_strings(env_strings);
    pid_t pid = 0;
    const int rc = ::posix_spawnp(&pid, argv[0], actions.get(), nullptr, argv.data(), envp.data());
    if (rc != 0) {
        throw std::system_error(rc, std::generic_category(), "cannot run " + spec.argv[0]);
    }
    // Our copies of the write ends must close, or the reads below never see the end.
    out_write.reset();
    err_write.reset();
    ProcessResult result;
    drain(out_read, err_read, result);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            throw std::system_error(errno, std::generic_category(), "waitpid " + spec.argv[0]);
        }
    }
    if (WIFEXITED(status)) {
        result.exit_code = WEXITSTATUS(status);
    } else if (WIFSIGNALED(status)) {
        result.signal = WTERMSIG(status);
    }
    if (result.err.size() > k_max_captured_err) {
        result.err.erase(0, result.err.size() - k_max_captured_err);
    }
    return result;
}

}  // namespace sqlmig::util
