#pragma once
// A throwaway database beside the configured one, never the configured one itself: made by
// `verify` (downs checked) and `impact` (pending statements measured).

#include <string>

#include "cli/context.hpp"
#include "db/backend.hpp"

namespace sqlmig::cli {

// What a command asks of its scratch database.
struct ScratchRequest {
    std::string purpose;  // "verify", "impact": in the database's name and in messages
    std::string url;      // --scratch-url: an empty database of the user's, used as is and never dropped
    bool keep = false;    // --keep: left behind at the end (its name is printed)
};

// The scratch database: created in the constructor (throws DbError saying the user needs
// CREATEDB, or --scratch-url, when it cannot be), dropped in the destructor unless kept
// (a failed drop is logged, never thrown).
class Scratch {
public:
    Scratch(Context& ctx, const ScratchRequest& request);
    ~Scratch();
    Scratch(const Scratch&) = delete;
    Scratch& operator=(const Scratch&) = delete;

    const db::ConnectOptions& options() const { return m_plan.options; }
    // "sqlmig_verify_1a2b3c4d on postgres://...": how messages name it, password hidden.
    std::string label() const;
    bool kept() const { return m_keep; }

private:
    Context& m_ctx;
    db::ScratchPlan m_plan;
    bool m_keep = false;
    bool m_created = false;
};

}  // namespace sqlmig::cli
