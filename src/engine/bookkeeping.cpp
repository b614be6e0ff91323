#include "engine/bookkeeping.hpp"

#include "core/tracking_sql.hpp"

namespace sqlmig::engine {

Bookkeeping::Bookkeeping(Context& ctx) : m_driver((ctx.catalog(), ctx.connect(Access::read_write))) {
    m_driver->acquire_lock(ctx.lock_timeout());
    ctx.prepare_tracking(*m_driver);
    table = core::parse_table_name(ctx.config().table);
}

Bookkeeping::~Bookkeeping() {
    m_driver->rollback();
    m_driver->release_lock();
}

void record_rows(db::Driver& driver, const core::TableName& table, const std::vector<core::AppliedRow>& rows) {
    db::TransactionGuard transaction(driver);
    for (const auto& row : rows) {
        driver.execute_internal(core::upsert_row_sql(table, row, driver.dialect()));
    }
    transaction.commit();
}

}  // namespace sqlmig::engine
