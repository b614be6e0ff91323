#pragma once
// Backend modules: a driver whose client library pulls in many shared libraries
// (libpq, libmariadb with its TLS stack) is built as a module, sqlmig-<name>.so
// beside the sqlmig binary, and loaded the first time its URL is used, so that
// every other command starts in a few milliseconds (docs/performance.md).
//
// A module exports one C function `const void* sqlmig_<name>_module()` (every module
// the same type, so that the loader calls it through its own type: anything else is
// undefined behaviour, which UBSan reports) returning a table, a standard-layout
// struct whose first member is `const char* abi`, the ABI string it was built with (db/module_abi.hpp, derived by the build from the
// shared headers and the compiler); load_module_table() refuses a module whose
// string differs, and keeps the module loaded until exit.

#include <mutex>
#include <string>

namespace sqlmig::db {

// The entry function `symbol` of `file`, looked up beside the running binary, then
// in the installed module folder relative to it (../lib/<arch>/sqlmig), then, in
// test builds only, in the build folder. Throws DbError naming every place it
// looked; a module whose table does not start with this build's ABI is refused.
const void* load_module_table(const std::string& file, const char* symbol, const std::string& database);

// Loads once, on the first call, from any thread.
template <class Table>
const Table& module_table(const std::string& file, const char* symbol, const std::string& database) {
    static std::once_flag once;
    static const Table* loaded = nullptr;
    std::call_once(once, [&] {
        loaded = static_cast<const Table*>(load_module_table(file, symbol, database));
    });
    return *loaded;
}

}  // namespace sqlmig::db
