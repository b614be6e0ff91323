#pragma once
// A throwaway database beside the configured one (db::Backend::scratch()), never the
// configured one itself, for the commands that replay migrations without touching the
// configured database: verify (downs checked), drift (what was applied, replayed), squash
// (the baseline proven) and impact (pending statements measured).

#include <string>
#include <vector>

#include "engine/context.hpp"
#include "db/backend.hpp"

namespace sqlmig::engine {

// What to do with the scratch database at the end (--keep leaves it, and prints its name).
enum class KeepScratch { no, yes };

// Whether the command takes --scratch-url, which the error for a missing CREATEDB then suggests.
enum class ScratchUrl { offered, not_offered };

// What a command asks of its scratch database.
struct ScratchRequest {
    std::string purpose;  // "verify", "drift", "squash", "impact": in its name (sqlmig_<purpose>_<hex>) and messages
    std::string url;      // --scratch-url: an empty database of the user's, used as is and never dropped ("": none)
    KeepScratch keep = KeepScratch::no;
    ScratchUrl url_option = ScratchUrl::offered;
    // Its commits do not wait for the disk (db::Durability): it is thrown away, even a kept one
    // or the user's own --scratch-url, whose contents are the command's to make again.
    db::Durability durability = db::Durability::throwaway;
};

// Created in the constructor, dropped in the destructor unless kept (a failed drop is
// logged, never thrown). The constructor throws DbError naming the privilege it needs
// when the database cannot be created.
class Scratch {
public:
    Scratch(Context& ctx, const ScratchRequest& request);
    ~Scratch();
    Scratch(const Scratch&) = delete;
    Scratch& operator=(const Scratch&) = delete;

    const db::ConnectOptions& options() const { return m_plan.options; }
    // "sqlmig_verify_1a2b3c4d on postgres://...", or its file: how messages name it, password hidden.
    std::string label() const;
    bool kept() const { return m_keep; }
    // The search path's first schema, when the new database had none of the path's and it was
    // made here (search_path.hpp: make_first_search_path_schema); empty otherwise.
    const std::vector<std::string>& made_schemas() const { return m_made_schemas; }

private:
    void drop() noexcept;  // unless kept; a failure is logged
    void make_schemas();    // a tenant's schema, the search path's first one

    Context& m_ctx;
    db::ScratchPlan m_plan;
    bool m_keep = false;
    bool m_created = false;
    std::vector<std::string> m_made_schemas;
};

// Raises the log level to warnings while migrations are replayed on a scratch database, so that
// their "applying ..." lines (one per migration) neither drown a report nor read as if the live
// database were being changed (impact before up); --verbose keeps them. Not in a fleet (`up` with [drift]
// before_up on each target): the level is the process's, and its threads would restore each other's.
class QuietReplay {
public:
    explicit QuietReplay(const Context& ctx);
    ~QuietReplay();
    QuietReplay(const QuietReplay&) = delete;
    QuietReplay& operator=(const QuietReplay&) = delete;

private:
    int m_before;  // spdlog::level::level_enum, without spdlog in this header
};

}  // namespace sqlmig::engine
