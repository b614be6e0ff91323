#pragma once
// Reading migration files: the edge where the core's pure functions meet the disk.

#include <filesystem>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <sys/stat.h>

#include "core/checksum_cache.hpp"
#include "core/discovery.hpp"
#include "core/format.hpp"
#include "core/sections.hpp"
#include "core/sql_splitter.hpp"
#include "core/statement_kind.hpp"

namespace sqlmig::engine {

// What a folder holds (not recursive): regular files (or links to them), and every
// other entry with what it is ("a folder", "a dangling symbolic link", ...).
struct FolderListing {
    struct Other {
        std::string name;
        std::string kind;
    };
    std::vector<std::string> files;
    std::vector<Other> others;
};
// Throws MigrationFileError when dir cannot be read.
FolderListing list_folder(const std::filesystem::path& dir);

// "is a folder, not a file; ..." on NAME for each entry that is not a file but is named
// like a migration (by core::is_migration_candidate, honouring the ignore patterns).
std::vector<core::FolderProblem> non_file_migrations(const FolderListing& listing,
                                                     const std::vector<std::string>& ignore, core::Format format);

// Which tool's folder dir looks like (core::detect_format), from the names and the first
// 4 KB of up to 200 of its .sql files in name order; nullopt when none looks like any,
// or the folder cannot be read.
std::optional<core::DetectedFormat> detect_folder_format(const std::filesystem::path& dir);

// "\nthese files look like a dbmate folder (...): set [migrations] format = \"dbmate\" ..."
// when dir looks like another format's folder than `configured`, else "".
std::string other_format_hint(const std::filesystem::path& dir, core::Format configured);

// Marks the catalog's baselines (core/squash.hpp): reads the first line of each migration
// that may be one, sets its squashes_from, and adds to catalog.errors a header that names
// a wrong range, a file that cannot be read, or a file inside a baseline's range. A baseline
// in a format with sections has no down (its section is empty).
void mark_baselines(const std::filesystem::path& dir, core::Catalog& catalog);

// Calls sink with the file's bytes in chunks of bounded size (one buffer per thread: the sink
// must not call read_chunks itself). Throws MigrationFileError.
void read_chunks(const std::filesystem::path& file, const std::function<void(std::string_view)>& sink);
// The same from an open file descriptor; file names it in errors.
void read_chunks(int fd, const std::filesystem::path& file, const std::function<void(std::string_view)>& sink);

// Creates file with text; never overwrites (O_EXCL). Throws MigrationFileError.
void create_new_file(const std::filesystem::path& file, const std::string& text);

// Replaces file with text, whole or not at all (a temporary file renamed over it);
// creates missing parent folders. Throws Error (exit 1).
struct AtomicWrite {
    unsigned mode = 0644;  // of a new file, before the umask
    bool durable = true;   // fsync before the rename; a cache can do without
};
void write_file_atomically(const std::filesystem::path& file, const std::string& text, AtomicWrite how = {});

// One direction of a migration as something to read: a whole file, or one section of
// a file that holds both (dbmate, goose, sql-migrate).
struct Script {
    std::filesystem::path path;
    std::string label;  // how messages name the file
    core::Format format = core::Format::sqlmig;
    core::Section section = core::Section::whole;
    // The SQL itself when it comes from the tracking table (a migration whose files are gone).
    std::optional<std::string> stored;
    // The file's bytes as check_file read them, when it kept them: the lint gate, the stored SQL
    // and the run read these instead of the file, so that a run reads each file once.
    std::shared_ptr<const std::string> kept = nullptr;
};

// Calls sink with the script's bytes: the stored SQL, the kept bytes, or the file's in chunks.
void read_script_chunks(const Script& script, const std::function<void(std::string_view)>& sink);

// What the file system says of a file's contents without reading them (core::FileStamp: a file
// replaced, extended or rewritten since has another; an edit of the same size within the same
// nanosecond is not seen).
core::FileStamp stamp_of(const struct stat& st);
// nullopt when the file cannot be stat'ed.
std::optional<core::FileStamp> file_stamp(const std::filesystem::path& file);

// Tests only: called with a file's path at the start of each pass that reads it, to count the
// reads of a run (tests/engine). sqlmig sets none.
using ReadObserver = void (*)(const std::filesystem::path& file);
void set_read_observer(ReadObserver observer);

// Whether Flyway's settings file beside the script (<script>.conf) says executeInTransaction=false.
// Throws MigrationFileError for a value that is not true or false.
bool flyway_says_no_transaction(const Script& script);

// "sha256:<hex>" of a migration file (see core/checksum.hpp), by name or from an open
// descriptor (file names it in errors). Throws MigrationFileError.
std::string file_checksum(const std::filesystem::path& file);
std::string file_checksum(int fd, const std::filesystem::path& file);
// The checksum of what the script runs: the whole file, or its section's lines and markers.
std::string script_checksum(int fd, const Script& script);
// The same read through read_script_chunks (the kept bytes when there are some).
std::string script_checksum(const Script& script);

// Streams the script's statements to sink, in order, and returns the checksum of
// what it read (what ran, which the caller compares with what was checked).
// Throws MigrationFileError for a string, identifier or comment left open at the
// end of the file, and for markers the file's tool would refuse.
// on_read, when given, is told the size of each chunk as it is read (for progress).
std::string for_each_statement(const Script& script, core::Dialect dialect,
                               const std::function<void(core::Statement&&)>& sink,
                               const std::function<void(std::size_t)>& on_read = {});

// What a script holds, found by one streaming pass before anything runs. Throws
// MigrationFileError for text sqlmig cannot send (NUL bytes, not UTF-8), naming
// the line and byte offset, for a construct left open at the end, and for bad markers.
struct FileCheck {
    core::TransactionMode mode = core::TransactionMode::wrapped;
    core::OwnRecording own_recording = core::OwnRecording::after_the_file;  // for mode own
    std::string checksum;
    std::size_t statements = 0;
    bool directive = false;            // a no-transaction marker (sqlmig's, or the format's)
    bool auto_no_transaction = false;  // only non-transactional statements, no directive
    bool section_missing = false;      // the file has no marker for this direction (goose, sql-migrate)
    // The first statement that commits implicitly (MySQL/MariaDB DDL), when there is one.
    std::optional<core::Position> implicit_commit;
    std::string implicit_commit_text;  // shortened, for the log
    // The file's bytes, when it is keep_max bytes or smaller (see check_file), and its stamp as
    // it was read: what the run compares the file with before it commits.
    std::shared_ptr<const std::string> text;
    std::optional<core::FileStamp> stamp;
};
// keep_max: a file of at most this many bytes is kept in memory (FileCheck::text), so that nothing
// after the check reads it again; a larger one is streamed again by the run, its hash compared.
FileCheck check_file(const Script& script, core::Dialect dialect, int server_version, std::uintmax_t keep_max = 0);

}  // namespace sqlmig::engine