#include "core/dialect.hpp"

namespace sqlmig::core {

namespace {

constexpr const DialectDefinition* k_dialects[] = {&k_postgres_dialect, &k_sqlite_dialect, &k_mysql_dialect};

}  // namespace

const LexicalRules& lexical_rules(Dialect dialect) {
    return dialect->lexical;
}

std::string_view dialect_name(Dialect dialect) {
    return dialect.name();
}

std::optional<Dialect> dialect_from_name(std::string_view name) {
    for (const DialectDefinition* d : k_dialects) {
        if (d->name == name) {
            return Dialect(*d);
        }
        for (const std::string_view alias : d->aliases) {
            if (alias == name) {
                return Dialect(*d);
            }
        }
    }
    return std::nullopt;
}

}  // namespace sqlmig::core
