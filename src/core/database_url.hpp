#pragma once
// A database URL once its backend has parsed it (db/backend.hpp). Server URLs are
// kept as they are for the client library to parse; file databases also carry
// the resolved file.

#include <filesystem>
#include <string>

#include "core/dialect.hpp"

namespace sqlmig::core {

struct DatabaseUrl {
    std::string backend;          // the backend's name(): "postgres", "sqlite"
    std::string raw;              // as configured (may hold a password: print redacted())
    std::filesystem::path file;   // a database that is a file: the resolved file, or ":memory:"
    std::string redacted() const;
};

}  // namespace sqlmig::core
