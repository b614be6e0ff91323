// Loads sqlmig-postgres.so on first use (see module.hpp).
#include <dlfcn.h>
#include <unistd.h>

#include <filesystem>
#include <mutex>

#include "db/postgres/driver.hpp"
#include "db/postgres/module.hpp"

namespace sqlmig::db {

namespace {

namespace fs = std::filesystem;

constexpr const char* k_module_file = "sqlmig-postgres.so";

// Beside the running binary first; then the build folder, for test programs.
std::vector<fs::path> candidates() {
    std::vector<fs::path> out;
    std::error_code ec;
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    if (!ec) {
        out.push_back(exe.parent_path() / k_module_file);
    }
#ifdef SQLMIG_MODULE_DIR
    out.push_back(fs::path(SQLMIG_MODULE_DIR) / k_module_file);
#endif
    return out;
}

const PostgresModule& load() {
    std::string errors;
    for (const auto& path : candidates()) {
        std::error_code ec;
        if (!fs::exists(path, ec)) {
            errors += "\n  " + path.string() + ": not found";
            continue;
        }
        // Never closed: drivers and exceptions from the module live until exit.
        void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
        if (!handle) {
            errors += "\n  " + std::string(::dlerror());
            continue;
        }
        using Entry = const PostgresModule* (*)();
        auto entry = reinterpret_cast<Entry>(::dlsym(handle, "sqlmig_postgres_module"));
        const PostgresModule* module = entry ? entry() : nullptr;
        if (!module || module->abi != k_postgres_module_abi) {
            errors += "\n  " + path.string() + ": not a sqlmig " + std::to_string(k_postgres_module_abi) +
                      " PostgreSQL module (rebuild sqlmig)";
            continue;
        }
        return *module;
    }
    throw DbError("cannot load the PostgreSQL driver " + std::string(k_module_file) +
                  ", which sqlmig needs for PostgreSQL URLs:" + errors +
                  "\nit is built with sqlmig and must stay beside the sqlmig binary");
}

const PostgresModule& module() {
    static std::once_flag once;
    static const PostgresModule* loaded = nullptr;
    std::call_once(once, [] { loaded = &load(); });
    return *loaded;
}

}  // namespace

void load_postgres_module() {
    module();
}

std::unique_ptr<Driver> make_postgres_driver(const ConnectOptions& options) {
    return module().make_driver(options);
}

ChildConnection pg_child_connection(const std::string& url, const std::string& application_name) {
    return module().child_connection(url, application_name);
}

}  // namespace sqlmig::db
