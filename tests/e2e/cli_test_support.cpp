#include "e2e/cli_test_support.hpp"

#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace sqlmig::test {

namespace fs = std::filesystem;

namespace {
std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}
std::atomic<int> g_counter{0};
}  // namespace

std::string shell_quote(const std::string& s) {
    std::string out = "'";
    for (char c : s) {
        out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    }
    return out + "'";
}

Project::Project() {
    m_dir = fs::temp_directory_path() /
            ("sqlmig_test_" + std::to_string(::getpid()) + "_" + std::to_string(g_counter++));
    fs::remove_all(m_dir);
    fs::create_directories(m_dir / "migrations");
    write_file("config.toml", "[database]\nurl = \"sqlite:///data/app.db\"\n[migrations]\ndir = \"migrations\"\n");
}

Project::~Project() {
    std::error_code ec;
    fs::remove_all(m_dir, ec);
}

void Project::migration(const std::string& name, const std::string& sql) {
    write_file("migrations/" + name, sql);
}

void Project::write_file(const std::string& relative, const std::string& text) {
    fs::create_directories((m_dir / relative).parent_path());
    std::ofstream(m_dir / relative, std::ios::binary) << text;
}

Result Project::run(const std::vector<std::string>& args, const std::string& env) const {
    // The checksum cache goes into the project, not the home of whoever runs the tests.
    std::string cmd = "cd " + shell_quote(m_dir.string()) + " && env -u DATABASE_URL -u SQLMIG_ENV SQLMIG_CACHE_DIR=" +
                      shell_quote((m_dir / ".cache").string()) + " " + env + " " + shell_quote(SQLMIG_BINARY);
    for (const auto& a : args) {
        cmd += " " + shell_quote(a);
    }
    const fs::path out = m_dir / ".stdout", err = m_dir / ".stderr";
    cmd += " >" + shell_quote(out.string()) + " 2>" + shell_quote(err.string()) + " </dev/null";
    const int status = std::system(cmd.c_str());
    Result r;
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    r.out = slurp(out);
    r.err = slurp(err);
    fs::remove(out);
    fs::remove(err);
    return r;
}

Result Project::outcome(const std::string& name) const {
    Result r;
    std::ifstream(m_dir / (name + ".rc")) >> r.code;
    r.err = slurp(m_dir / (name + ".err"));
    return r;
}

std::string Project::query(const std::string& sql) const {
    return query_sqlite(db_path(), sql);
}

std::string query_sqlite(const fs::path& file, const std::string& sql) {
    sqlite3* raw = nullptr;
    const int rc = sqlite3_open_v2(file.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr);
    std::unique_ptr<sqlite3, decltype(&sqlite3_close)> db(raw, &sqlite3_close);
    if (rc != SQLITE_OK) {
        throw std::runtime_error("cannot open " + file.string());
    }
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db.get(), sql.c_str(), -1, &st, nullptr) != SQLITE_OK) {
        throw std::runtime_error(std::string("bad test query: ") + sqlite3_errmsg(db.get()));
    }
    std::unique_ptr<sqlite3_stmt, decltype(&sqlite3_finalize)> stmt(st, &sqlite3_finalize);
    std::string out;
    while (sqlite3_step(stmt.get()) == SQLITE_ROW) {
        const auto* t = sqlite3_column_text(stmt.get(), 0);
        out += (out.empty() ? "" : ",") + std::string(t ? reinterpret_cast<const char*>(t) : "NULL");
    }
    return out;
}

void exec_sqlite(const fs::path& file, const std::string& sql) {
    fs::create_directories(file.parent_path());
    sqlite3* raw = nullptr;
    const int rc = sqlite3_open(file.c_str(), &raw);
    std::unique_ptr<sqlite3, decltype(&sqlite3_close)> db(raw, &sqlite3_close);
    if (rc != SQLITE_OK) {
        throw std::runtime_error("cannot open " + file.string());
    }
    char* err = nullptr;
    if (sqlite3_exec(db.get(), sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
        const std::string message = err ? err : sqlite3_errmsg(db.get());
        sqlite3_free(err);
        throw std::runtime_error("bad test SQL: " + message);
    }
}

void use_format(Project& project, const std::string& format) {
    project.write_file("config.toml", "[database]\nurl = \"sqlite:///data/app.db\"\n[migrations]\ndir = \"migrations\"\n"
                                      "format = \"" + format + "\"\n[backup]\nenabled = false\n");
}

std::vector<fs::path> files_in(const fs::path& dir) {
    std::vector<fs::path> out;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec)) {
        out.push_back(e.path());
    }
    std::sort(out.begin(), out.end());
    return out;
}

std::vector<fs::path> backup_files_in(const fs::path& dir) {
    auto out = files_in(dir);
    std::erase_if(out, [](const fs::path& p) { return p.extension() == ".version"; });
    return out;
}

std::string read_text(const fs::path& file) {
    return slurp(file);
}

std::string logged_backup(const std::string& err) {
    const std::size_t at = err.find("backup: backups/");
    return at == std::string::npos ? "" : err.substr(at + 16, err.find(' ', at + 16) - at - 16);
}

unsigned permissions_of(const fs::path& p) {
    return static_cast<unsigned>(fs::status(p).permissions() & fs::perms::mask);
}

bool in_ci() {
    const char* ci = std::getenv("CI");
    return ci && *ci && std::string(ci) != "0" && std::string(ci) != "false";
}

fs::path corpus_dir() {
    std::error_code ec;
    const fs::path p = SQLMIG_CORPUS_DIR;
    return fs::is_directory(p, ec) ? p.lexically_normal() : fs::path();
}

}  // namespace sqlmig::test
