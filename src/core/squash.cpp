#include "core/squash.hpp"

#include <algorithm>

#include "util/error.hpp"
#include "util/text.hpp"

namespace sqlmig::core {

std::string baseline_header(const Version& first, const Version& last) {
    return std::string(k_baseline_marker) + first.text() + ".." + last.text() + "\n";
}

bool may_be_baseline(const Migration& m) {
    // sql-migrate's baseline keeps the file name of the version it replaces (its identity).
    return m.format == Format::sql_migrate || util::to_lower(m.name).find(k_baseline_name) != std::string::npos;
}

namespace {

std::optional<Version> parse_any(std::string_view text, Format format) {
    switch (format) {
    case Format::flyway: return Version::parse_dotted(text);
    case Format::sql_migrate: return text.empty() ? std::nullopt : std::optional<Version>(Version::of_file_name(text));
    case Format::sqlmig:
    case Format::dbmate:
    case Format::goose: return Version::parse(text);
    }
    return std::nullopt;
}

}  // namespace

std::optional<Version> parse_baseline_header(std::string_view head, const Migration& m, std::string* why) {
    why->clear();
    if (head.substr(0, k_baseline_marker.size()) != k_baseline_marker) {
        return std::nullopt;
    }
    std::string_view range = head.substr(k_baseline_marker.size());
    range = range.substr(0, range.find('\n'));
    if (!range.empty() && range.back() == '\r') {
        range.remove_suffix(1);
    }
    const auto dots = range.find("..");
    const auto first = dots == std::string_view::npos ? std::nullopt : parse_any(range.substr(0, dots), m.format);
    const auto last = dots == std::string_view::npos ? std::nullopt : parse_any(range.substr(dots + 2), m.format);
    if (!first || !last || !(*last == m.version) || m.version < *first) {
        *why = "its first line '" + util::printable(std::string(k_baseline_marker)) +
               util::printable(range) + "' must name the versions it squashes as FIRST.." + m.version.text() +
               " (FIRST not after " + m.version.text() + ")";
        return std::nullopt;
    }
    return first;
}

void check_baselines(Catalog& catalog) {
    const Migration* previous_baseline = nullptr;
    for (const auto& m : catalog.migrations) {
        if (!m.squashes_from) {
            continue;
        }
        if (previous_baseline && !(previous_baseline->version < *m.squashes_from)) {
            catalog.errors.push_back({"", util::printable(m.up_file) + " squashes " + m.squashes_from->text() + ".." +
                                              m.version.text() + ", which overlaps the baseline " +
                                              util::printable(previous_baseline->up_file) + "; keep one of them"});
        }
        previous_baseline = &m;
        for (const auto& inside : catalog.migrations) {
            if (&inside != &m && !inside.version.is_repeatable() && !(inside.version < *m.squashes_from) &&
                inside.version < m.version) {
                catalog.errors.push_back({"", util::printable(inside.up_file) + " has a version inside " +
                                                  m.squashes_from->text() + ".." + m.version.text() + ", which " +
                                                  util::printable(m.up_file) + " squashes; move it to " +
                                                  k_squashed_folder + "/ if it was squashed, or renumber it after " +
                                                  m.version.text()});
            }
        }
    }
}

namespace {

// sql-migrate's versions are file names: --to takes the file name, or its number when one file has it.
std::optional<Version> sql_migrate_target(const Catalog& catalog, const std::string& to) {
    const std::optional<Version> number = Version::parse(to);
    const Version* found = nullptr;
    for (const auto& m : catalog.migrations) {
        if (m.version.text() == to) {
            return m.version;
        }
        if (number && m.version.same_number(*number)) {
            if (found) {
                throw UsageError("several migrations have number " + to + "; name the file, as 'sqlmig status' lists it");
            }
            found = &m.version;
        }
    }
    return found ? std::optional<Version>(*found) : Version::of_file_name(to);
}

}  // namespace

SquashPlan plan_squash(const Catalog& catalog, const std::string& to) {
    std::optional<Version> version = Version::parse(to);
    if (!version) {
        version = Version::parse_dotted(to);
    }
    if (!catalog.migrations.empty() && catalog.migrations.front().format == Format::sql_migrate) {
        version = sql_migrate_target(catalog, to);
    }
    const Migration* target = version ? find_migration(catalog.migrations, *version) : nullptr;
    const auto later_baseline = std::find_if(catalog.migrations.begin(), catalog.migrations.end(), [&](const Migration& m) {
        return m.squashes_from && version && !(m.version < *version);
    });
    if (later_baseline != catalog.migrations.end()) {
        throw RefusedError("the folder is already squashed to " + later_baseline->version.text() + " (" +
                           util::printable(later_baseline->up_file) + "); squash to a version after it");
    }
    if (!target || target->version.is_repeatable()) {
        throw UsageError("no migration has version '" + util::printable(to) + "'; squash --to takes a version of "
                         "the folder ('sqlmig status' lists them)");
    }
    SquashPlan plan;
    plan.target = target;
    for (const auto& m : catalog.migrations) {
        if (m.version.is_repeatable() || target->version < m.version) {
            continue;  // a repeatable migration stays in the folder and runs after the versioned ones
        }
        plan.replay.push_back(&m);
    }
    if (plan.replay.size() == 1) {
        throw RefusedError("nothing to squash: " + util::printable(target->up_file) + " is the folder's first "
                           "migration; squash to a later version");
    }
    const Migration* first = plan.replay.front();
    plan.first = first->squashes_from ? *first->squashes_from : first->version;
    return plan;
}

BaselineFile baseline_file(Format format, const Version& first, const Version& version, std::string_view body) {
    const std::string header = baseline_header(first, version);
    std::string text(body);
    if (!text.empty() && text.back() != '\n') {
        text += '\n';
    }
    const std::string& v = version.text();
    switch (format) {
    case Format::sqlmig: return {v + "_baseline.up.sql", header + text};
    case Format::dbmate: return {v + "_baseline.sql", header + "-- migrate:up\n" + text + "\n-- migrate:down\n"};
    case Format::goose: return {v + "_baseline.sql", header + "-- +goose Up\n" + text};
    case Format::sql_migrate: return {v, header + "-- +migrate Up\n" + text};  // the replaced file's name
    case Format::flyway: return {"V" + v + "__baseline.sql", header + text};
    }
    return {};
}

std::string row_queries_sql(Dialect dialect) {
    return std::string(dialect->row_queries_sql);
}

}  // namespace sqlmig::core
