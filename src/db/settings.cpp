// The registry of what the config file holds per database, in the order messages list them:
// made from the one list of databases, SQLMIG_DATABASES in CMakeLists.txt. Pure: built into
// sqlmig_db_pure, which the config parser links.
#include "db/settings.hpp"

#include "db/registered_settings.inc"

namespace sqlmig::db {

namespace {

constexpr const DatabaseSettings* k_settings[] = {SQLMIG_REGISTERED_SETTINGS};

}  // namespace

std::span<const DatabaseSettings* const> database_settings() {
    return k_settings;
}

const DatabaseSettings* settings_of_section(std::string_view section) {
    for (const DatabaseSettings* s : k_settings) {
        if (s->section == section) {
            return s;
        }
    }
    return nullptr;
}

const BackupProgram* backup_program(std::string_view key) {
    for (const DatabaseSettings* s : k_settings) {
        for (const BackupProgram& p : s->backup_programs) {
            if (p.key == key) {
                return &p;
            }
        }
    }
    return nullptr;
}

std::string backup_program_or_default(const std::map<std::string, std::string, std::less<>>& programs,
                                      std::string_view key) {
    if (const auto set = programs.find(key); set != programs.end()) {
        return set->second;
    }
    const BackupProgram* known = backup_program(key);
    return std::string(known ? known->default_program : key);
}

}  // namespace sqlmig::db
