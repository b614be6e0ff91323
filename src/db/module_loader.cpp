#include "db/module_loader.hpp"

#include <dlfcn.h>

#include <filesystem>
#include <vector>

#include "util/error.hpp"

namespace sqlmig::db {

namespace {

namespace fs = std::filesystem;

// Beside the running binary first; then the build folder, for test programs.
std::vector<fs::path> candidates(const std::string& file) {
    std::vector<fs::path> out;
    std::error_code ec;
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    if (!ec) {
        out.push_back(exe.parent_path() / file);
    }
#ifdef SQLMIG_MODULE_DIR
    out.push_back(fs::path(SQLMIG_MODULE_DIR) / file);
#endif
    return out;
}

}  // namespace

const void* load_module_table(const std::string& file, const char* symbol, int abi, const std::string& database) {
    std::string errors;
    for (const auto& path : candidates(file)) {
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
        using Entry = const int* (*)();
        auto entry = reinterpret_cast<Entry>(::dlsym(handle, symbol));
        const int* table = entry ? entry() : nullptr;
        if (!table || *table != abi) {
            errors += "\n  " + path.string() + ": not a sqlmig " + std::to_string(abi) + " " + database +
                      " module (rebuild sqlmig)";
            continue;
        }
        return table;
    }
    throw DbError("cannot load the " + database + " driver " + file + ", which sqlmig needs for " + database +
                  " URLs:" + errors + "\nit is built with sqlmig and must stay beside the sqlmig binary");
}

}  // namespace sqlmig::db
