#include "engine/files.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>

#include "core/checksum.hpp"
#include "core/script_splitter.hpp"
#include "core/squash.hpp"
#include "core/discovery.hpp"
#include "core/text_check.hpp"
#include "util/error.hpp"
#include "util/text.hpp"
#include "util/unique_fd.hpp"
#include "db/postgres/dialect.hpp"

namespace sqlmig::engine {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t k_chunk_size = 1 << 18;  // 256 KiB: bounded memory for any file size

struct CloseDir {
    void operator()(DIR* d) const { ::closedir(d); }
};

// "" for a regular file or a symbolic link to one (followed, as open() will);
// otherwise what the entry is, for the message that refuses it.
std::string irregular_kind(int dir_fd, const dirent& e) {
    if (e.d_type == DT_REG) {
        return "";
    }
    struct stat st {};
    if (::fstatat(dir_fd, e.d_name, &st, 0) != 0) {
        return errno == ELOOP     ? "a symbolic link loop"
               : errno == ENOENT  ? "a dangling symbolic link"
                                  : std::string("an entry that cannot be read (") + std::strerror(errno) + ")";
    }
    const bool link = e.d_type == DT_LNK;
    if (S_ISREG(st.st_mode)) {
        return "";
    }
    const char* what = S_ISDIR(st.st_mode) ? "a folder" : S_ISFIFO(st.st_mode) ? "a FIFO" : S_ISSOCK(st.st_mode) ? "a socket"
                                                                                          : "a device";
    return link ? std::string("a symbolic link to ") + what : std::string(what);
}

// Opens a migration file for reading. Throws MigrationFileError.
util::UniqueFd open_to_read(const fs::path& file) {
    util::UniqueFd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) {
        throw MigrationFileError("cannot read " + file.string() + ": " + std::strerror(errno));
    }
    return fd;
}

}  // namespace

std::optional<core::DetectedFormat> detect_folder_format(const fs::path& dir) {
    constexpr std::size_t k_files = 200;
    constexpr std::streamsize k_head = 4096;
    std::vector<std::string> names;
    try {
        names = list_folder(dir).files;
    } catch (const Error&) {
        return std::nullopt;
    }
    std::sort(names.begin(), names.end());
    std::vector<core::FileHead> heads;
    for (const auto& name : names) {
        if (heads.size() == k_files) {
            break;
        }
        if (!util::ends_with_icase(name, ".sql")) {
            continue;
        }
        std::ifstream in(dir / name, std::ios::binary);
        std::string text(static_cast<std::size_t>(k_head), '\0');
        in.read(text.data(), k_head);
        text.resize(static_cast<std::size_t>(std::max<std::streamsize>(in.gcount(), 0)));
        heads.push_back({name, std::move(text)});
    }
    return core::detect_format(heads);
}

std::string other_format_hint(const fs::path& dir, core::Format configured) {
    const auto looks = detect_folder_format(dir);
    if (!looks || looks->format == configured) {
        return "";
    }
    const std::string name = core::format_name(looks->format);
    return "\nthese files look like a " + std::string(looks->format == core::Format::sqlmig ? "golang-migrate" : name) +
           " folder (" + looks->evidence + "): set [migrations] format = \"" + name + "\" in the config";
}

void mark_baselines(const fs::path& dir, core::Catalog& catalog) {
    constexpr std::streamsize k_head = 512;
    std::string why;
    for (auto& m : catalog.migrations) {
        if (!core::may_be_baseline(m)) {
            continue;
        }
        std::ifstream in(dir / m.up_file, std::ios::binary);
        if (!in) {
            const std::string reason = std::strerror(errno);
            catalog.errors.push_back({util::printable(m.up_file), "cannot be read: " + reason});
            continue;
        }
        std::string head(static_cast<std::size_t>(k_head), '\0');
        in.read(head.data(), k_head);
        head.resize(static_cast<std::size_t>(std::max<std::streamsize>(in.gcount(), 0)));
        m.squashes_from = core::parse_baseline_header(head, m, &why);
        if (!why.empty()) {
            catalog.errors.push_back({util::printable(m.up_file), why});
        }
        if (m.squashes_from && core::has_sections(m.format)) {
            m.down_file.reset();
        }
    }
    core::check_baselines(catalog);
}

FolderListing list_folder(const fs::path& dir) {
    // readdir, not std::filesystem::directory_iterator: the latter builds a path
    // object per entry, which costs more than the system calls on a folder of 10,000 files.
    const std::unique_ptr<DIR, CloseDir> d(::opendir(dir.c_str()));
    if (!d) {
        if (errno == ENOTDIR && ::access(dir.c_str(), F_OK) == 0) {
            throw MigrationFileError("the migrations folder " + dir.string() +
                                     " is a file, not a folder; set [migrations] dir or --dir to a folder");
        }
        if (errno == ENOENT || errno == ENOTDIR) {
            throw MigrationFileError("the migrations folder " + dir.string() +
                                     " does not exist; create it with 'sqlmig init', or set [migrations] dir or --dir");
        }
        throw MigrationFileError("cannot read the migrations folder " + dir.string() + ": " + std::strerror(errno));
    }
    FolderListing listing;
    errno = 0;
    while (const dirent* e = ::readdir(d.get())) {
        const std::string_view name(e->d_name);
        if (name == "." || name == "..") {
            errno = 0;
            continue;
        }
        if (std::string kind = irregular_kind(::dirfd(d.get()), *e); kind.empty()) {
            listing.files.emplace_back(name);
        } else {
            listing.others.push_back({std::string(name), std::move(kind)});
        }
        errno = 0;
    }
    if (errno != 0) {
        throw MigrationFileError("cannot read the migrations folder " + dir.string() + ": " + std::strerror(errno));
    }
    return listing;
}

std::vector<core::FolderProblem> non_file_migrations(const FolderListing& listing,
                                                     const std::vector<std::string>& ignore, core::Format format) {
    std::vector<core::FolderProblem> problems;
    for (const auto& other : listing.others) {
        if (core::is_migration_candidate(other.name, ignore, format)) {
            problems.push_back({util::printable(other.name), "is " + other.kind +
                                                                 ", not a file; a migration must be a regular file "
                                                                 "(or a link to one)"});
        }
    }
    return problems;
}

void read_chunks(const fs::path& file, const std::function<void(std::string_view)>& sink) {
    read_chunks(open_to_read(file).get(), file, sink);
}

namespace {

ReadObserver g_read_observer = nullptr;

}  // namespace

core::FileStamp stamp_of(const struct stat& st) {
    return {static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino),
            static_cast<std::int64_t>(st.st_size),
            static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec,
            static_cast<std::int64_t>(st.st_ctim.tv_sec) * 1'000'000'000 + st.st_ctim.tv_nsec};
}

void set_read_observer(ReadObserver observer) {
    g_read_observer = observer;
}

std::optional<core::FileStamp> file_stamp(const fs::path& file) {
    struct stat st {};
    if (::stat(file.c_str(), &st) != 0) {
        return std::nullopt;
    }
    return stamp_of(st);
}

void read_chunks(int fd, const fs::path& file, const std::function<void(std::string_view)>& sink) {
    if (g_read_observer) {
        g_read_observer(file);
    }
    // One buffer per thread for every file, allocated once and never zeroed: status
    // reads thousands of small files, and a fresh 256 KiB each time costs more than the reads.
    thread_local const std::unique_ptr<char[]> buf = std::make_unique_for_overwrite<char[]>(k_chunk_size);
    for (;;) {
        const ssize_t n = ::read(fd, buf.get(), k_chunk_size);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            throw MigrationFileError("cannot read " + file.string() + ": " + std::strerror(errno));
        }
        if (n == 0) {
            return;
        }
        sink(std::string_view(buf.get(), static_cast<std::size_t>(n)));
        if (static_cast<std::size_t>(n) < k_chunk_size) {
            return;  // a short read of a regular file is its end: saves a read() per small file
        }
    }
}

void create_new_file(const fs::path& file, const std::string& text) {
    util::UniqueFd fd(::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
    if (!fd) {
        throw MigrationFileError("cannot create " + file.string() + ": " + std::strerror(errno));
    }
    if (::write(fd.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
        throw MigrationFileError("cannot write " + file.string() + ": " + std::strerror(errno));
    }
}

void write_file_atomically(const fs::path& file, const std::string& text, AtomicWrite how) {
    auto failed = [&](const std::string& what, const std::string& why) {
        return Error(ExitCode::failed, "cannot " + what + " " + file.string() + ": " + why);
    };
    std::error_code ec;
    if (!file.parent_path().empty()) {
        fs::create_directories(file.parent_path(), ec);
        if (ec) {
            throw failed("create the folder of", ec.message());
        }
    }
    const fs::path temp = file.string() + ".tmp-" + std::to_string(::getpid());
    {
        util::UniqueFd fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, how.mode));
        if (!fd) {
            throw failed("write", std::strerror(errno));
        }
        const bool written = ::write(fd.get(), text.data(), text.size()) == static_cast<ssize_t>(text.size());
        if (!written || (how.durable && ::fsync(fd.get()) != 0)) {
            const std::string why = std::strerror(errno);
            fs::remove(temp, ec);
            throw failed("write", why);
        }
    }
    fs::rename(temp, file, ec);
    if (ec) {
        fs::remove(temp, ec);
        throw failed("replace", ec.message());
    }
}

std::string file_checksum(const fs::path& file) {
    return file_checksum(open_to_read(file).get(), file);
}

std::string file_checksum(int fd, const fs::path& file) {
    core::Checksummer sum;
    read_chunks(fd, file, [&](std::string_view chunk) { sum.update(chunk); });
    return sum.finish();
}

namespace {

template <typename Splitter, typename Sink>
void drain(Splitter& splitter, const Sink& sink) {
    while (auto statement = splitter.next()) {
        sink(std::move(*statement));
    }
}

void check_text(const core::TextCheck& text, const std::string& label) {
    if (const auto& problem = text.problem()) {
        throw MigrationFileError(label + ":" + std::to_string(problem->line) + ": byte offset " +
                                 std::to_string(problem->offset) + ": the file holds " + problem->what +
                                 "; nothing was run");
    }
}

void check_unterminated(const core::ScriptSplitter& splitter, const std::string& label) {
    if (const auto& open = splitter.unterminated()) {
        throw MigrationFileError(label + ":" + std::to_string(open->start.line) + ":" + std::to_string(open->start.column) +
                                 ": " + open->what + " is never closed; the file ends inside it");
    }
}

void check_sections(const core::ScriptSplitter& splitter, const std::string& label) {
    if (const auto& problem = splitter.section_problem()) {
        throw MigrationFileError(label + (problem->line > 0 ? ":" + std::to_string(problem->line) : std::string()) +
                                 ": " + problem->message + "; nothing was run");
    }
}

}  // namespace

bool flyway_says_no_transaction(const Script& script) {
    const fs::path conf = script.path.string() + ".conf";
    std::error_code ec;
    if (!fs::is_regular_file(conf, ec)) {
        return false;
    }
    std::string text;
    read_chunks(conf, [&](std::string_view chunk) { text.append(chunk); });
    bool no_transaction = false;
    std::size_t line_no = 0;
    for (std::size_t start = 0; start < text.size();) {
        const std::size_t end = std::min(text.find('\n', start), text.size());
        const std::string_view line = util::trim(std::string_view(text).substr(start, end - start));
        ++line_no;
        start = end + 1;
        if (line.empty() || line.front() == '#') {
            continue;
        }
        const std::size_t eq = line.find('=');
        const std::string_view key = util::trim(line.substr(0, eq));
        const std::string_view value = eq == std::string_view::npos ? "" : util::trim(line.substr(eq + 1));
        if (key == "executeInTransaction") {
            if (value != "true" && value != "false") {
                throw MigrationFileError(conf.string() + ":" + std::to_string(line_no) +
                                         ": executeInTransaction must be true or false, not '" +
                                         util::printable(value) + "'");
            }
            no_transaction = value == "false";
        }
    }
    return no_transaction;
}

void read_script_chunks(const Script& script, const std::function<void(std::string_view)>& sink) {
    if (script.stored) {
        sink(*script.stored);
        return;
    }
    if (script.kept) {
        sink(*script.kept);
        return;
    }
    read_chunks(script.path, sink);
}

namespace {

using ChunkSink = std::function<void(std::string_view)>;

// The checksum of what `read` passes on: the whole of it, or the script's section's lines and markers.
std::string checksum_of(const Script& script, const std::function<void(const ChunkSink&)>& read) {
    if (script.section == core::Section::whole || !core::has_sections(script.format)) {
        core::Checksummer sum;
        read([&](std::string_view chunk) { sum.update(chunk); });
        return sum.finish();
    }
    // Any dialect: the checksum needs the lines, not the statements.
    core::ScriptSplitter splitter(db::postgres_dialect, script.format, script.section);
    read([&](std::string_view chunk) {
        splitter.feed(chunk);
        drain(splitter, [](const core::Statement&) {});
    });
    splitter.finish();
    drain(splitter, [](const core::Statement&) {});
    return splitter.checksum();
}

}  // namespace

std::string script_checksum(int fd, const Script& script) {
    return checksum_of(script, [&](const ChunkSink& sink) { read_chunks(fd, script.path, sink); });
}

std::string script_checksum(const Script& script) {
    return checksum_of(script, [&](const ChunkSink& sink) { read_script_chunks(script, sink); });
}

std::string for_each_statement(const Script& script, core::Dialect dialect,
                               const std::function<void(core::Statement&&)>& sink,
                               const std::function<void(std::size_t)>& on_read) {
    core::ScriptSplitter splitter(dialect, script.format, script.section);
    read_script_chunks(script, [&](std::string_view chunk) {
        if (on_read) {
            on_read(chunk.size());
        }
        splitter.feed(chunk);
        drain(splitter, sink);
    });
    splitter.finish();
    check_sections(splitter, script.label);
    drain(splitter, sink);
    check_unterminated(splitter, script.label);
    return splitter.checksum();
}

namespace {

// One pass over the script for check_file: from the file, keeping its bytes (and its stamp)
// when it has keep_max bytes or fewer; the stored or kept SQL as it is.
void read_for_check(const Script& script, std::uintmax_t keep_max, FileCheck& check, const ChunkSink& sink) {
    if (script.stored || script.kept) {
        read_script_chunks(script, sink);
        return;
    }
    const util::UniqueFd fd = open_to_read(script.path);
    struct stat st {};
    if (::fstat(fd.get(), &st) == 0) {
        check.stamp = stamp_of(st);
    }
    if (!check.stamp || static_cast<std::uintmax_t>(st.st_size) > keep_max) {
        read_chunks(fd.get(), script.path, sink);
        return;
    }
    auto text = std::make_shared<std::string>();
    text->reserve(static_cast<std::size_t>(st.st_size));
    read_chunks(fd.get(), script.path, [&](std::string_view chunk) { text->append(chunk); });
    sink(*text);
    check.text = std::move(text);
}

}  // namespace

FileCheck check_file(const Script& script, core::Dialect dialect, int server_version, std::uintmax_t keep_max) {
    FileCheck check;
    core::ScriptSplitter splitter(dialect, script.format, script.section);
    core::FileAnalysis analysis(dialect, server_version);
    core::TextCheck text;
    bool first_chunk = true;
    std::string head;  // the first line, for the directive
    read_for_check(script, keep_max, check, [&](std::string_view chunk) {
        if (first_chunk || (head.size() < 512 && head.find('\n') == std::string::npos)) {
            head.append(chunk.substr(0, 256));
        }
        first_chunk = false;
        text.feed(chunk);
        if (text.problem()) {
            return;  // reported below; the rest of the file is not worth splitting
        }
        splitter.feed(chunk);
        drain(splitter, [&](const core::Statement& s) { analysis.add(s); });
    });
    text.finish();
    check_text(text, script.label);
    splitter.finish();
    check_sections(splitter, script.label);
    drain(splitter, [&](const core::Statement& s) { analysis.add(s); });
    check_unterminated(splitter, script.label);
    check.checksum = splitter.checksum();
    check.statements = analysis.statement_count();
    check.section_missing = script.section != core::Section::whole && core::has_sections(script.format) &&
                            !script.stored && !splitter.sections().found();
    const bool foreign = script.format != core::Format::sqlmig;
    check.directive = core::has_no_transaction_directive(head) || splitter.sections().no_transaction() ||
                      (script.format == core::Format::flyway && flyway_says_no_transaction(script));
    check.mode = analysis.decide(script.label, check.directive,
                                 foreign ? core::OuterTransaction::expected : core::OuterTransaction::none,
                                 splitter.sections().no_transaction_marker());
    check.auto_no_transaction = check.mode == core::TransactionMode::none && !check.directive;
    if (check.mode == core::TransactionMode::own) {
        check.own_recording = analysis.own_recording();
    }
    if (const auto& first = analysis.first_implicit_commit(); first && !check.directive) {
        check.implicit_commit = first->start;
        check.implicit_commit_text = util::shorten(first->text, 60);
    }
    return check;
}

}  // namespace sqlmig::engine
