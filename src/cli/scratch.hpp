#pragma once
// A throwaway database beside the configured one (db::Backend::scratch()), for the
// commands that prove something without touching the configured database: verify, squash.

#include <string>

#include "cli/context.hpp"
#include "db/backend.hpp"

namespace sqlmig::cli {

// Whether the command takes --scratch-url, which the error for a missing CREATEDB then suggests.
enum class ScratchUrl { offered, not_offered };

struct ScratchOptions {
    std::string purpose;      // "verify", "squash": in its name and in messages
    std::string scratch_url;  // an empty database to use instead of creating one ("": create one)
    bool keep = false;        // keep it at the end (a --scratch-url database is always kept)
    ScratchUrl scratch_url_option = ScratchUrl::offered;
};

// Created in the constructor, dropped in the destructor (unless kept). The constructor
// throws DbError naming the privilege it needs when the database cannot be created.
class Scratch {
public:
    Scratch(Context& ctx, const ScratchOptions& o);
    ~Scratch();
    Scratch(const Scratch&) = delete;
    Scratch& operator=(const Scratch&) = delete;

    const db::ConnectOptions& options() const { return m_plan.options; }
    // Its name and server (password redacted), or its file.
    std::string label() const;
    bool kept() const { return m_keep; }

private:
    Context& m_ctx;
    db::ScratchPlan m_plan;
    bool m_keep = false;
    bool m_created = false;
};

}  // namespace sqlmig::cli
