// The registry of databases, made from the one list of them, SQLMIG_DATABASES in CMakeLists.txt.
// Order matters only where two could accept the same URL (a libpq key=value string is
// PostgreSQL's only when nothing before claimed it).
#include <vector>

#include "db/registered_backends.inc"
#include "db/settings.hpp"
#include "util/error.hpp"
#include "util/text.hpp"

namespace sqlmig::db {

namespace {

std::vector<const Backend*>& registry() {
    static std::vector<const Backend*> backends = {SQLMIG_REGISTERED_BACKENDS};
    return backends;
}

}  // namespace

std::span<const Backend* const> backends() {
    return registry();
}

void add_backend(const Backend& backend) {
    registry().push_back(&backend);
}

const Backend& backend_for(std::string_view url) {
    for (const Backend* b : backends()) {
        if (b->accepts(url)) {
            return *b;
        }
    }
    std::string forms;
    const auto all = backends();
    for (std::size_t i = 0; i < all.size(); ++i) {
        forms += (i == 0 ? "" : i + 1 == all.size() ? " or " : ", ") + std::string(all[i]->url_forms());
    }
    throw ConfigError("unsupported database URL '" + util::redact_url(util::trim(url)) + "'; use " + forms);
}

const Backend& backend_of(const core::DatabaseUrl& url) {
    for (const Backend* b : backends()) {
        if (b->name() == url.backend) {
            return *b;
        }
    }
    throw DbError("no backend is registered for '" + url.backend + "' (" + url.redacted() + ")");
}

core::DatabaseUrl parse_database_url(std::string_view url, const std::filesystem::path& base_dir) {
    if (util::trim(url).empty()) {
        throw ConfigError("the database URL is empty; set [database] url, DATABASE_URL or --database");
    }
    return backend_for(url).parse_url(url, base_dir);
}

void load_driver(const core::DatabaseUrl& url) {
    backend_of(url).load();
}

std::string BackupTools::program(std::string_view key) const {
    return backup_program_or_default(programs, key);
}

std::unique_ptr<Driver> make_driver(const ConnectOptions& options) {
    return backend_of(options.url).connect(options);
}

}  // namespace sqlmig::db
