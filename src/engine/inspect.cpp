#include "engine/inspect.hpp"

namespace sqlmig::engine {

std::unique_ptr<Snapshot> read_snapshot(Context& ctx) {
    auto driver = ctx.connect_during(Access::read_only, [&] { ctx.catalog(); });
    return read_snapshot(ctx, *driver);
}

std::unique_ptr<Snapshot> read_snapshot(Context& ctx, db::Driver& driver) {
    auto snap = std::make_unique<Snapshot>();
    snap->rows = ctx.applied_rows(driver);
    ctx.checksum_applied(snap->rows);
    snap->status = core::build_status(ctx.migrations_with_stored(snap->rows), snap->rows);
    return snap;
}

}  // namespace sqlmig::engine
