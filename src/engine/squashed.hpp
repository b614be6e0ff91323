#pragma once
// The files under the migrations folder's squashed/ (docs/squash.md): what each baseline replaced,
// one level per squash (squashed/, squashed/squashed/, ...), each level a folder read by the same
// rules as the folder itself. The commands that need history read them: validate compares a
// squashed version's tracking row with its file there, drift replays it from there.

#include <map>
#include <string>
#include <vector>

#include "core/migration.hpp"
#include "engine/context.hpp"

namespace sqlmig::engine {

class SquashedFiles {
public:
    // Lists every level (names only; files are read when a checksum is asked for). A level that
    // cannot be listed, or has problems discovery reports, is skipped with a warning: only a file
    // whose checksum is the recorded one is ever used.
    explicit SquashedFiles(Context& ctx);

    // The up files of `version` under squashed/, the nearest level first; up_file is relative to
    // the migrations folder ("squashed/001_users.up.sql"), so ctx.script() and ctx.file_label() take it.
    std::vector<const core::Migration*> of(const core::Version& version) const;
    // The one of them whose checksum is `checksum` (what was applied); nullptr when none is.
    const core::Migration* applied_as(const core::Version& version, const std::string& checksum);

private:
    Context& m_ctx;
    std::vector<core::Migration> m_files;  // every level's, nearest first
    std::map<const core::Migration*, std::string> m_checksums;
};

}  // namespace sqlmig::engine
