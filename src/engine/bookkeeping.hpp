#pragma once
// Changes to the tracking table alone, running no migration SQL: stamp, repair and adopt.

#include <memory>
#include <vector>

#include "core/migration.hpp"
#include "core/tracking_sql.hpp"
#include "db/driver.hpp"
#include "engine/context.hpp"

namespace sqlmig::engine {

// Holds the lock and one transaction for a bookkeeping change; what is not committed is
// rolled back, and the lock released, on every path out.
class Bookkeeping {
public:
    explicit Bookkeeping(Context& ctx);
    ~Bookkeeping();
    Bookkeeping(const Bookkeeping&) = delete;
    Bookkeeping& operator=(const Bookkeeping&) = delete;
    db::Driver& driver() { return *m_driver; }
    core::TableName table;

private:
    std::unique_ptr<db::Driver> m_driver;
};

// Writes the rows into `table` in one transaction: all of them or, on a failure, none.
void record_rows(db::Driver& driver, const core::TableName& table, const std::vector<core::AppliedRow>& rows);

}  // namespace sqlmig::engine
