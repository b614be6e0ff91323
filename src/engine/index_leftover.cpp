#include "engine/index_leftover.hpp"

#include <spdlog/spdlog.h>

#include "util/text.hpp"

namespace sqlmig::engine {

namespace {

std::string value(const std::vector<std::optional<std::string>>& row, std::size_t i) {
    return i < row.size() && row[i] ? *row[i] : "";
}

}  // namespace

IndexLeftover::IndexLeftover(db::Driver& driver, core::ConcurrentIndex index)
    : m_driver(driver), m_index(std::move(index)) {
    if (const auto rows = m_driver.query_rows(core::table_indexes_sql(m_index, m_driver.dialect()))) {
        for (const auto& row : *rows) {
            m_before.insert(value(row, 0));
        }
    }
}

void IndexLeftover::drop_before_attempt(const std::string& title) {
    if (!m_left) {
        return;
    }
    // Checked again by oid: a valid index is never dropped, whatever happened since.
    const auto invalid = m_driver.query_rows(core::index_invalid_sql(m_left->oid, m_driver.dialect()));
    if (invalid && !invalid->empty()) {
        m_driver.execute_internal(core::drop_index_concurrently_sql(m_left->schema, m_left->name));
        m_driver.flush();
        spdlog::info("{}: dropped the INVALID index {}.{} the failed attempt left", title,
                     util::printable(m_left->schema), util::printable(m_left->name));
    }
    m_left.reset();
}

std::optional<std::string> IndexLeftover::after_failure() {
    const auto rows = m_driver.query_rows(core::table_indexes_sql(m_index, m_driver.dialect()));
    if (!rows) {
        return std::nullopt;
    }
    for (const auto& row : *rows) {
        const Index found{value(row, 0), value(row, 1), value(row, 2)};
        if (m_before.contains(found.oid) || value(row, 3) != "f") {
            continue;  // there before the statement, or valid: never dropped
        }
        if (m_index.name && found.name == *m_index.name) {
            m_left = found;
            return std::nullopt;
        }
        if (!m_index.name) {
            // Its name was the server's choice: another session's index being built on the same
            // table would look the same, so nothing is dropped.
            return "the statement names no index, so sqlmig cannot tell the INVALID index " +
                   util::printable(found.schema) + "." + util::printable(found.name) +
                   " it may have left from another session's; name the index to let sqlmig drop it and retry";
        }
    }
    return std::nullopt;
}

std::string IndexLeftover::left_behind() const {
    if (!m_left) {
        return "";
    }
    return "it left the INVALID index " + util::printable(m_left->schema) + "." + util::printable(m_left->name) +
           "; remove it with " + core::drop_index_concurrently_sql(m_left->schema, m_left->name) +
           " before running it again";
}

}  // namespace sqlmig::engine
