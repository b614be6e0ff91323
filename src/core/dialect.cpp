#include "core/dialect.hpp"

namespace sqlmig::core {

const LexicalRules& lexical_rules(Dialect dialect) {
    return dialect->lexical;
}

std::string_view dialect_name(Dialect dialect) {
    return dialect.name();
}

}  // namespace sqlmig::core
