#pragma once
// What the read-only commands read: the tracking rows and the status built from them.

#include <memory>
#include <vector>

#include "engine/context.hpp"
#include "core/plan.hpp"

namespace sqlmig::engine {

// Rows are kept alive beside the status, which points into them.
struct Snapshot {
    std::vector<core::AppliedRow> rows;
    core::Status status;
};

// Connects read-only (creating nothing), reads the rows and checksums the applied files.
std::unique_ptr<Snapshot> read_snapshot(Context& ctx);
// The same on a connection already open to the context's database and tracking table.
std::unique_ptr<Snapshot> read_snapshot(Context& ctx, db::Driver& driver);

}  // namespace sqlmig::engine
