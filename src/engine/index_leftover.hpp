#pragma once
// A CREATE INDEX CONCURRENTLY retried alone (docs/production.md): when an attempt fails after
// creating its index, the index stays behind INVALID, and the next attempt would fail on its
// name. This drops exactly that index first: one that is invalid and was not there before the
// statement's first attempt, never a valid one or one that existed before.

#include <optional>
#include <set>
#include <string>

#include "core/concurrent_index.hpp"
#include "db/driver.hpp"

namespace sqlmig::engine {

class IndexLeftover {
public:
    // Reads the table's indexes, before the statement's first attempt. Throws DbError.
    IndexLeftover(db::Driver& driver, core::ConcurrentIndex index);

    // At the start of an attempt (its lock wait bounded): drops the invalid index an earlier
    // attempt left. Throws DbError, marked as a lock failure when the DROP waited too long.
    void drop_before_attempt(const std::string& title);
    // After an attempt failed for a lock: notes the index it left, if any. Returns why the
    // statement must not be retried (an unnamed index was left, perhaps: what is left), or nullopt.
    std::optional<std::string> after_failure();
    // "" or what a given-up statement leaves behind, with how to remove it.
    std::string left_behind() const;

private:
    struct Index {
        std::string oid;
        std::string schema;
        std::string name;
    };
    db::Driver& m_driver;
    core::ConcurrentIndex m_index;
    std::set<std::string> m_before;  // oids of the table's indexes before the first attempt
    std::optional<Index> m_left;     // invalid, created by a failed attempt
};

}  // namespace sqlmig::engine
