#include "engine/new_migration.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "core/discovery.hpp"
#include "engine/files.hpp"
#include "util/error.hpp"
#include "util/text.hpp"

namespace sqlmig::engine {

namespace {

// Spaces become '_'; anything that cannot be part of a file name is refused.
std::string checked_name(const std::string& raw) {
    std::string name(util::trim(raw));
    for (char& c : name) {
        if (c == ' ') {
            c = '_';
        }
    }
    const bool control = std::any_of(name.begin(), name.end(), [](char c) {
        return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
    });
    if (name.empty() || control || name.find_first_of("/\\") != std::string::npos || name.size() > 200) {
        throw UsageError("invalid migration name '" + util::printable(raw) +
                         "': use a short description without '/' or control characters, e.g. add_email");
    }
    return name;
}

// A folder of timestamps gets the UTC time (two branches then rarely collide), others last + 1.
core::Version next_version(const std::vector<core::Migration>& migrations, VersionStyle style) {
    // The newest versioned migration (Flyway's repeatables sort after them).
    auto last = std::find_if(migrations.rbegin(), migrations.rend(),
                             [](const core::Migration& m) { return !m.version.is_repeatable(); });
    auto next = core::next_new_version(last == migrations.rend() ? nullptr : &last->version, utc_now("%Y%m%d%H%M%S"),
                                       style == VersionStyle::timestamp);
    if (!next.note.empty()) {
        spdlog::warn("{}", next.note);
    }
    return next.version;
}

// A new migration's files in the folder's format, each with what its tool writes in a new file.
struct NewFile {
    std::string name;
    std::string text;
};

std::vector<NewFile> new_files(core::Format format, const std::string& version, const std::string& name) {
    const std::string stem = version + "_" + name;
    switch (format) {
    case core::Format::sqlmig:
        return {{stem + ".up.sql", "-- " + stem + ": the change\n"},
                {stem + ".down.sql", "-- " + stem + ": how to revert it\n"}};
    case core::Format::dbmate: return {{stem + ".sql", "-- migrate:up\n\n\n-- migrate:down\n\n"}};
    case core::Format::goose:
        return {{stem + ".sql",
                 "-- +goose Up\n-- +goose StatementBegin\nSELECT 'up SQL query';\n-- +goose StatementEnd\n\n"
                 "-- +goose Down\n-- +goose StatementBegin\nSELECT 'down SQL query';\n-- +goose StatementEnd\n"}};
    case core::Format::sql_migrate:
        return {{version + "-" + name + ".sql", "-- +migrate Up\n\n-- +migrate Down\n"}};
    case core::Format::flyway:
        return {{"V" + version + "__" + name + ".sql", "-- V" + version + ": the change\n"},
                {"U" + version + "__" + name + ".sql", "-- U" + version + ": how to revert it\n"}};
    }
    return {};
}

}  // namespace

std::vector<std::string> create_migration(Context& ctx, const std::string& raw_name, VersionStyle style) {
    const std::string name = checked_name(raw_name);
    const core::Format format = ctx.config().format;
    const core::Version version = next_version(ctx.catalog().migrations, style);
    const auto files = new_files(format, version.text(), name);
    std::string why;
    for (const auto& f : files) {
        if (!core::parse_name(format, f.name, &why) || !why.empty()) {
            throw UsageError("invalid migration name '" + util::printable(raw_name) + "': " +
                             (why.empty() ? std::string("not a migration name in this format") : why));
        }
    }
    for (const auto& f : files) {
        create_new_file(ctx.file_path(f.name), f.text);
    }
    std::vector<std::string> labels;
    for (const auto& f : files) {
        labels.push_back(ctx.file_label(f.name));
    }
    return labels;
}


}  // namespace sqlmig::engine
