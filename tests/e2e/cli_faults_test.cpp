// Faults from outside sqlmig: a full disk, a read-only file system, a hook killed
// by a signal. Each must end with the documented exit code, a message naming the
// cause, nothing half applied, and an intact SQLite file.
#include <gtest/gtest.h>
#include <sys/mount.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include "e2e/cli_test_support.hpp"

using sqlmig::test::Project;
using sqlmig::test::query_sqlite;
using sqlmig::test::Result;

namespace fs = std::filesystem;

namespace {

// A small tmpfs of its own, unmounted at the end (tests run as root, as CI does).
class Tmpfs {
public:
    explicit Tmpfs(const fs::path& where, const std::string& size) : m_dir(where) {
        fs::create_directories(m_dir);
        const std::string options = "size=" + size + ",mode=0755";
        if (::mount("tmpfs", m_dir.c_str(), "tmpfs", 0, options.c_str()) != 0) {
            throw std::runtime_error("cannot mount a tmpfs at " + m_dir.string() + ": " + std::strerror(errno) +
                                     " (these tests need root, as ./scripts/test has in CI)");
        }
    }
    ~Tmpfs() {
        ::umount2(m_dir.c_str(), MNT_DETACH);
        std::error_code ec;
        fs::remove_all(m_dir, ec);
    }
    Tmpfs(const Tmpfs&) = delete;
    Tmpfs& operator=(const Tmpfs&) = delete;

    // Makes the file system read-only: even root gets EROFS.
    void make_read_only() {
        if (::mount("tmpfs", m_dir.c_str(), "tmpfs", MS_REMOUNT | MS_RDONLY, nullptr) != 0) {
            throw std::runtime_error("cannot remount " + m_dir.string() + " read-only: " + std::strerror(errno));
        }
    }
    const fs::path& dir() const { return m_dir; }

private:
    fs::path m_dir;
};

std::string integrity(const fs::path& db) {
    return query_sqlite(db, "PRAGMA integrity_check");
}

}  // namespace

TEST(Faults, DiskFullDuringAMigrationLeavesNothingOfItAndAnIntactFile) {
    Project p;
    Tmpfs disk(p.dir() / "small", "256k");
    const fs::path db = disk.dir() / "app.db";
    p.write_file("config.toml", "[database]\nurl = \"sqlite:///" + db.string() + "\"\n");
    p.migration("001_t.up.sql", "CREATE TABLE t (x INTEGER, pad TEXT);\n");
    p.migration("002_fill.up.sql",
                "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 20000)\n"
                "INSERT INTO t SELECT x, printf('%0200d', x) FROM c;\n");
    const Result r = p.run({"up"});
    EXPECT_EQ(r.code, 1) << r.err;
    EXPECT_CONTAINS(r.err, "migrations/002_fill.up.sql:");
    EXPECT_CONTAINS(r.err, "database or disk is full");
    EXPECT_CONTAINS(r.err, "nothing of 002_fill was applied (rolled back)");
    EXPECT_EQ(query_sqlite(db, "SELECT group_concat(version) FROM sqlmig_migrations"), "1");
    EXPECT_EQ(query_sqlite(db, "SELECT count(*) FROM t"), "0");
    EXPECT_EQ(integrity(db), "ok");
    EXPECT_EQ(p.run({"status"}).code, 0);
}

TEST(Faults, AFullBackupFolderStopsTheRunBeforeAnyMigration) {
    Project p;
    Tmpfs disk(p.dir() / "backups-disk", "64k");
    p.write_file("config.toml", "[database]\nurl = \"sqlite:///data/app.db\"\n[backup]\ndir = \"backups-disk\"\n");
    p.migration("001_t.up.sql", "CREATE TABLE t (x INTEGER, pad TEXT);\n"
                                "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 5000)\n"
                                "INSERT INTO t SELECT x, printf('%0200d', x) FROM c;\n");
    ASSERT_EQ(p.run({"up", "--no-backup"}).code, 0);
    p.migration("002_more.up.sql", "CREATE TABLE more (x INTEGER);\n");
    const Result r = p.run({"up"});
    EXPECT_EQ(r.code, 1) << r.err;
    EXPECT_CONTAINS(r.err, "backup before migrating failed");
    EXPECT_CONTAINS(r.err, "nothing was run");
    EXPECT_EQ(p.query("SELECT group_concat(version) FROM sqlmig_migrations"), "1");
    EXPECT_EQ(p.query("SELECT count(*) FROM sqlite_master WHERE name = 'more'"), "0");
    EXPECT_TRUE(sqlmig::test::files_in(disk.dir()).empty()) << "a partial backup was left";
    EXPECT_EQ(integrity(p.db_path()), "ok");
}

TEST(Faults, AReadOnlyFileSystemRefusesWritesAndStillAnswersStatus) {
    Project p;
    Tmpfs disk(p.dir() / "ro", "1m");
    const fs::path db = disk.dir() / "app.db";
    p.write_file("config.toml", "[database]\nurl = \"sqlite:///" + db.string() + "\"\n[backup]\nenabled = false\n");
    p.migration("001_t.up.sql", "CREATE TABLE t (x INTEGER);\n");
    ASSERT_EQ(p.run({"up"}).code, 0);
    p.migration("002_u.up.sql", "CREATE TABLE u (x INTEGER);\n");
    disk.make_read_only();
    const Result up = p.run({"up"});
    EXPECT_EQ(up.code, 1) << up.err;
    EXPECT_CONTAINS(up.err, "Read-only file system");
    const Result status = p.run({"status"});
    EXPECT_EQ(status.code, 0) << status.err;
    EXPECT_CONTAINS(status.out, "u     pending");
    EXPECT_EQ(query_sqlite(db, "SELECT group_concat(version) FROM sqlmig_migrations"), "1");
}

TEST(Faults, AnUnwritableFolderForANewDatabaseIsNamed) {
    Project p;
    Tmpfs disk(p.dir() / "ro", "1m");
    disk.make_read_only();
    p.write_file("config.toml", "[database]\nurl = \"sqlite:///ro/sub/app.db\"\n");
    p.migration("001_t.up.sql", "CREATE TABLE t (x INTEGER);\n");
    const Result r = p.run({"up"});
    EXPECT_EQ(r.code, 1) << r.err;
    EXPECT_CONTAINS(r.err, "cannot create the folder " + (disk.dir() / "sub").string() +
                               " for the SQLite database: Read-only file system");
}

TEST(Faults, AHookKilledByASignalStopsTheRunBeforeAnyMigration) {
    Project p;
    p.write_file("config.toml", "[database]\nurl = \"sqlite:///data/app.db\"\n[hooks]\nbefore_migrate = \"kill -9 $$\"\n");
    p.migration("001_t.up.sql", "CREATE TABLE t (x INTEGER);\n");
    const Result r = p.run({"up"});
    EXPECT_EQ(r.code, 1) << r.err;
    EXPECT_CONTAINS(r.err, "before_migrate hook");
    EXPECT_CONTAINS(r.err, "signal 9");
    EXPECT_CONTAINS(r.err, "nothing was run");
    EXPECT_FALSE(fs::exists(p.db_path()) && p.query("SELECT count(*) FROM sqlite_master WHERE name = 't'") == "1");
}
