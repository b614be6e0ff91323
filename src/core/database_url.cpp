#include "core/database_url.hpp"

#include "util/text.hpp"

namespace sqlmig::core {

std::string DatabaseUrl::redacted() const {
    return util::redact_url(raw);
}

}  // namespace sqlmig::core
