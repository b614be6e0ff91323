#pragma once
// A scratch database beside the configured one (same server, or a file in the temporary
// folder), for the commands that replay migrations without touching the configured
// database: verify, drift.

#include <string>

#include "cli/context.hpp"
#include "db/backend.hpp"

namespace sqlmig::cli {

// What to do with the scratch database at the end.
enum class KeepScratch { no, yes };

// Created in the constructor, dropped in the destructor (unless kept, or the user's own).
class Scratch {
public:
    // `purpose` names the command in messages and in the database's name (sqlmig_<purpose>_<hex>).
    // scratch_url: an empty database of the user's to use instead (never dropped); "" for none.
    // Throws DbError when the database cannot be created, saying the user needs CREATEDB.
    Scratch(Context& ctx, const std::string& purpose, const std::string& scratch_url, KeepScratch keep);
    ~Scratch();
    Scratch(const Scratch&) = delete;
    Scratch& operator=(const Scratch&) = delete;

    const db::ConnectOptions& options() const { return m_plan.options; }
    // Its name and server (password hidden), or its file.
    std::string label() const;
    bool kept() const { return m_keep; }

private:
    Context& m_ctx;
    db::ScratchPlan m_plan;
    bool m_keep = false;
    bool m_created = false;
};

}  // namespace sqlmig::cli
