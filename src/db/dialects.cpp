// The registry of dialects, made from SQLMIG_DATABASES in CMakeLists.txt.
#include "db/dialects.hpp"

#include "db/registered_dialects.inc"

namespace sqlmig::db {

namespace {

constexpr const core::DialectDefinition* k_dialects[] = {SQLMIG_REGISTERED_DIALECTS};

}  // namespace

std::span<const core::DialectDefinition* const> dialect_definitions() {
    return k_dialects;
}

std::optional<core::Dialect> dialect_from_name(std::string_view name) {
    for (const core::DialectDefinition* d : k_dialects) {
        if (d->name == name) {
            return core::Dialect(*d);
        }
        for (const std::string_view alias : d->aliases) {
            if (alias == name) {
                return core::Dialect(*d);
            }
        }
    }
    return std::nullopt;
}

}  // namespace sqlmig::db
