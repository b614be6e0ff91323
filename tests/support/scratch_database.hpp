#pragma once
// A scratch database of each registered backend, for the conformance suite:
// one factory per backend in scratch_database.cpp. A backend registered in
// SQLMIG_DATABASES (CMakeLists.txt) without one fails every conformance test, by name.

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

namespace sqlmig::test {

class ScratchDatabase {
public:
    virtual ~ScratchDatabase() = default;
    // The URL sqlmig connects to.
    virtual std::string url() const = 0;
    // Whether a table exists, asked directly (not through sqlmig).
    virtual bool has_table(const std::string& name) const = 0;
    // Whether the database exists at all (a file database may not yet).
    virtual bool exists() const = 0;
    // The SQL that drops an index (MySQL names its table too).
    virtual std::string drop_index_sql(const std::string& index, const std::string&) const {
        return "DROP INDEX " + index;
    }
};

// A fresh database of the backend named `backend`, with any files in `folder`.
// Throws std::runtime_error for a backend without a factory.
std::unique_ptr<ScratchDatabase> make_scratch_database(std::string_view backend, const std::filesystem::path& folder);

}  // namespace sqlmig::test
