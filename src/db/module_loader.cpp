#include "db/module_loader.hpp"

#include <dlfcn.h>

#include <cstring>
#include <filesystem>
#include <vector>

#include "db/module_abi.hpp"
#include "util/error.hpp"

namespace sqlmig::db {

namespace {

namespace fs = std::filesystem;

// Beside the running binary first (a build folder); then where an install puts it,
// relative to the binary; then, in test builds, the build folder, for test programs.
std::vector<fs::path> candidates(const std::string& file) {
    std::vector<fs::path> out;
    std::error_code ec;
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    if (!ec) {
        out.push_back(exe.parent_path() / file);
        out.push_back((exe.parent_path() / SQLMIG_MODULE_RELATIVE_DIR / file).lexically_normal());
    }
#ifdef SQLMIG_MODULE_DIR
    out.push_back(fs::path(SQLMIG_MODULE_DIR) / file);
#endif
    return out;
}

}  // namespace

const void* load_module_table(const std::string& file, const char* symbol, const std::string& database) {
    std::string errors;
    for (const auto& path : candidates(file)) {
        std::error_code ec;
        if (!fs::exists(path, ec)) {
            errors += "\n  " + path.string() + ": not found";
            continue;
        }
        // Never closed: drivers and exceptions from the module live until exit. RTLD_LAZY, as
        // for a program linked with libpq: binding every symbol of libpq's two dozen libraries
        // up front costs a status several milliseconds (the module links with --no-undefined,
        // so nothing is left to fail later).
        void* handle = ::dlopen(path.c_str(), RTLD_LAZY | RTLD_LOCAL);
        if (!handle) {
            errors += "\n  " + std::string(::dlerror());
            continue;
        }
        using Entry = const void* (*)();
        auto entry = reinterpret_cast<Entry>(::dlsym(handle, symbol));
        const void* table = entry ? entry() : nullptr;
        if (!table) {
            errors += "\n  " + path.string() + ": not a sqlmig " + database + " module";
            continue;
        }
        // The table's first member: a standard-layout struct shares its address.
        const char* abi = *static_cast<const char* const*>(table);
        if (std::strcmp(abi, k_module_abi) != 0) {
            errors += "\n  " + path.string() + ": a module of another sqlmig build (ABI " + std::string(abi) +
                      ", this binary's is " + k_module_abi + "); install the binary and its modules together";
            continue;
        }
        return table;
    }
    throw DbError("cannot load the " + database + " driver " + file + ", which sqlmig needs for " + database +
                  " URLs:" + errors + "\nit is built and installed with sqlmig: keep it beside the binary, or in " +
                  std::string(SQLMIG_MODULE_RELATIVE_DIR) + "/ relative to the binary's folder");
}

}  // namespace sqlmig::db
