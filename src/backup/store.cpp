#include "backup/store.hpp"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>

#include "util/error.hpp"
#include "util/unique_fd.hpp"

namespace sqlmig::backup {

namespace fs = std::filesystem;

namespace {

// Creates the folder (and its parents) when missing; the folder itself 0700,
// since backups hold all the data. An existing folder is left as it is.
void ensure_private_dir(const fs::path& dir) {
    std::error_code ec;
    if (fs::is_directory(dir, ec)) {
        return;
    }
    if (!dir.parent_path().empty()) {
        fs::create_directories(dir.parent_path(), ec);
        if (ec) {
            throw BackupError("cannot create the backup folder " + dir.string() + ": " + ec.message());
        }
    }
    if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
        throw BackupError("cannot create the backup folder " + dir.string() + ": " + std::strerror(errno));
    }
    ::chmod(dir.c_str(), 0700);  // mkdir's mode passes through the umask
}

// Creates the file, empty and 0600; false when it already exists.
bool create_private_file(const fs::path& file) {
    util::UniqueFd fd(::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
    if (!fd) {
        if (errno == EEXIST) {
            return false;
        }
        throw BackupError("cannot create " + file.string() + ": " + std::strerror(errno));
    }
    if (::fchmod(fd.get(), 0600) != 0) {
        throw BackupError("cannot set the mode of " + file.string() + ": " + std::strerror(errno));
    }
    return true;
}

constexpr std::string_view k_partial_marker = ".partial-";  // then the writer's pid

// Where a backup is written until it is complete: a hidden name beside it, with the
// writer's pid, that no listing takes for a backup. A run killed midway leaves only this.
fs::path partial_path(const fs::path& dir) {
    std::string name(k_partial_marker);  // appended, not "." + ...: GCC 12 warns falsely (-Wrestrict) on that
    name += std::to_string(::getpid());
    return dir / name;
}

// Removes what killed runs left: partial files whose writer is gone.
void remove_stale_partials(const fs::path& dir) {
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
        const std::string name = entry.path().filename().string();
        if (!name.starts_with(k_partial_marker)) {
            continue;
        }
        const long pid = std::atol(name.c_str() + k_partial_marker.size());
        if (pid > 0 && ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) {
            fs::remove_all(entry.path(), ec);
        }
    }
}

void sync_path(const fs::path& path, int flags) {
    util::UniqueFd fd(::open(path.c_str(), flags | O_CLOEXEC));
    if (!fd || ::fsync(fd.get()) != 0) {
        throw BackupError("cannot sync " + path.string() + ": " + std::strerror(errno));
    }
}

// Runs the engine into a new partial file, makes it durable, and returns its size.
// The partial file is removed unless the backup is complete.
std::uintmax_t fill_partial(db::BackupEngine& engine, const fs::path& partial) {
    if (!create_private_file(partial)) {
        throw BackupError(partial.string() + " exists; is another sqlmig with this pid writing it?");
    }
    try {
        engine.dump(partial);
        std::error_code ec;
        const auto size = fs::file_size(partial, ec);
        if (ec) {
            throw BackupError("cannot read the size of " + partial.string() + ": " + ec.message());
        }
        if (size == 0) {
            throw BackupError("the backup came out empty");
        }
        sync_path(partial, O_RDONLY);
        return size;
    } catch (...) {
        std::error_code ec;
        fs::remove(partial, ec);
        throw;
    }
}

// Gives the complete partial file its name, never replacing a file (link fails on
// an existing name). False when `file` exists.
bool publish(const fs::path& partial, const fs::path& file) {
    if (::link(partial.c_str(), file.c_str()) != 0) {
        if (errno == EEXIST) {
            return false;
        }
        throw BackupError("cannot name the backup " + file.string() + ": " + std::strerror(errno));
    }
    std::error_code ec;
    fs::remove(partial, ec);
    sync_path(file.parent_path().empty() ? fs::path(".") : file.parent_path(), O_RDONLY | O_DIRECTORY);
    return true;
}

std::vector<std::string> file_names(const fs::path& dir) {
    std::vector<std::string> names;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
        if (entry.is_regular_file(ec)) {
            names.push_back(entry.path().filename().string());
        }
    }
    return names;
}

void apply_retention(const fs::path& dir, std::string_view kind, const std::string& database, int keep) {
    std::error_code ec;
    for (const auto& old : beyond_retention(backups_of(file_names(dir), database), kind, keep)) {
        if (fs::remove(dir / old, ec)) {
            fs::remove(dir / version_file_name(old), ec);
            spdlog::info("deleted old backup {} (keep = {})", (dir / old).string(), keep);
        } else if (ec) {
            spdlog::warn("cannot delete old backup {}: {}", (dir / old).string(), ec.message());
        }
    }
}

// The .version file beside a published backup. Not needed to restore, so a failure
// to write it is a warning, and the backup stands.
void record_version(const fs::path& file, std::string_view version) {
    const fs::path record = file.parent_path() / version_file_name(file.filename().string());
    util::UniqueFd fd(::open(record.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    const std::string text = std::string(version) + "\n";
    if (!fd || ::write(fd.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
        spdlog::warn("cannot record the version of {} in {}: {}", file.string(), record.string(), std::strerror(errno));
    }
}

std::string recorded_version(const fs::path& file) {
    std::ifstream in(file.parent_path() / version_file_name(file.filename().string()));
    std::string line;
    std::getline(in, line);
    return line;
}

}  // namespace

Taken take_backup(db::BackupEngine& engine, const fs::path& dir, std::string_view kind, std::string_view stamp,
                  const std::string& database_name, int keep, std::string_view version) {
    engine.check();
    ensure_private_dir(dir);
    const std::string database = file_safe_name(database_name);
    // Same-second backups get -2, -3...: always above any existing one, so that a
    // name freed by retention is never reused for a newer backup.
    int suffix = 0;
    for (const auto& existing : backups_of(file_names(dir), database)) {
        if (existing.kind == kind && existing.stamp == stamp) {
            suffix = std::max(suffix, std::max(existing.suffix, 1) + 1);
        }
    }
    remove_stale_partials(dir);
    const fs::path partial = partial_path(dir);
    const std::uintmax_t size = fill_partial(engine, partial);
    fs::path file;
    for (;; suffix = suffix == 0 ? 2 : suffix + 1) {
        file = dir / backup_file_name(kind, stamp, database, suffix, engine.extension());
        try {
            if (publish(partial, file)) {
                break;
            }
        } catch (...) {
            std::error_code ec;
            fs::remove(partial, ec);
            throw;
        }
    }
    record_version(file, version);
    apply_retention(dir, kind, database, keep);
    return {file, size};
}

Taken take_backup_to(db::BackupEngine& engine, const fs::path& file) {
    engine.check();
    std::error_code ec;
    if (fs::exists(file, ec)) {
        throw BackupError(file.string() + " already exists; sqlmig never overwrites a file");
    }
    const fs::path dir = file.parent_path().empty() ? fs::path(".") : file.parent_path();
    const fs::path partial = partial_path(dir);
    const std::uintmax_t size = fill_partial(engine, partial);
    if (!publish(partial, file)) {
        fs::remove(partial, ec);
        throw BackupError(file.string() + " already exists; sqlmig never overwrites a file");
    }
    return {file, size};
}

std::vector<Listed> list_backups(const fs::path& dir, const std::string& database_name) {
    std::vector<Listed> out;
    std::error_code ec;
    for (auto& name : backups_of(file_names(dir), file_safe_name(database_name))) {
        const fs::path file = dir / name.file;
        const auto size = fs::file_size(file, ec);
        out.push_back({std::move(name), file, ec ? 0 : size, recorded_version(file)});
    }
    return out;
}

}  // namespace sqlmig::backup
