#include "core/discovery.hpp"

#include <fnmatch.h>

#include <algorithm>
#include <span>
#include <utility>

#include "core/text_check.hpp"
#include "util/text.hpp"

namespace sqlmig::core {

namespace {

constexpr std::string_view k_up_suffix = ".up.sql";
constexpr std::string_view k_down_suffix = ".down.sql";

bool has_suffix(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

bool is_ignored(const std::string& name, const std::vector<std::string>& patterns) {
    return std::any_of(patterns.begin(), patterns.end(), [&](const std::string& p) {
        return p == name || fnmatch(p.c_str(), name.c_str(), FNM_PERIOD) == 0;
    });
}

std::string quantity(std::size_t n) {
    static const char* const words[] = {"no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"};
    return n < 10 ? words[n] : std::to_string(n);
}

const char* k_grammar_hint = "expected <version>_<name>.up.sql or <version>_<name>.down.sql, "
                             "e.g. 004_add_email.up.sql; list it under [migrations] ignore to skip it";

struct NamedFile {
    ParsedName parsed;
    std::string* name;  // into the caller's list; moved from once it becomes a Migration
};

// By version, ups before downs, then by name. One sort, of pointers: the folder's
// names are not sorted first, and no NamedFile is swapped (for 10,000 files each
// of those cost a tenth of `status`).
std::vector<NamedFile> in_version_order(std::vector<NamedFile> files) {
    std::vector<NamedFile*> order;
    order.reserve(files.size());
    for (auto& f : files) {
        order.push_back(&f);
    }
    std::sort(order.begin(), order.end(), [](const NamedFile* a, const NamedFile* b) {
        if (const auto c = a->parsed.version <=> b->parsed.version; c != 0) {
            return c < 0;
        }
        if (a->parsed.direction != b->parsed.direction) {
            return a->parsed.direction == Direction::up;
        }
        return *a->name < *b->name;
    });
    std::vector<NamedFile> sorted;
    sorted.reserve(files.size());
    for (NamedFile* f : order) {
        sorted.push_back(std::move(*f));
    }
    return sorted;
}

// Adds the migration of one version made of its up and down files (each in name
// order), or the errors that make the version unusable.
void add_version(Catalog& catalog, std::span<NamedFile> ups, std::span<NamedFile> downs) {
    const Version version = (ups.empty() ? downs : ups).front().parsed.version;
    for (const auto group : {ups, downs}) {
        if (group.size() > 1) {
            std::string names;
            for (const auto& f : group) {
                names += (names.empty() ? "" : ", ") + util::printable(*f.name);
            }
            const char* direction = group.front().parsed.direction == Direction::up ? "up" : "down";
            catalog.errors.push_back(quantity(group.size()) + " " + direction + " files have version " +
                                     version.canonical() + ": " + names +
                                     " (branches merged? give each migration a version of its own)");
        }
    }
    if (ups.empty()) {
        for (const auto& d : downs) {
            catalog.errors.push_back(util::printable(*d.name) +
                                     ": down migration without an up migration for version " + version.text());
        }
        return;
    }
    if (ups.size() > 1 || downs.size() > 1) {
        return;
    }
    Migration m{std::move(ups[0].parsed.version), std::move(ups[0].parsed.name), std::move(*ups[0].name), std::nullopt,
                std::nullopt};
    if (!downs.empty()) {
        m.down_file = std::move(*downs[0].name);
        if (downs[0].parsed.name != m.name) {
            catalog.warnings.push_back(util::printable(m.up_file) + " and " + util::printable(*m.down_file) +
                                       " have different names; they pair by version " + m.version.text());
        }
    }
    catalog.migrations.push_back(std::move(m));
}

}  // namespace

std::optional<ParsedName> parse_file_name(std::string_view file_name, std::string* why) {
    why->clear();
    if (file_name.empty() || file_name.front() == '.' || !util::ends_with_icase(file_name, ".sql")) {
        return std::nullopt;  // not a migration candidate: hidden, or not SQL
    }
    Direction direction{};
    std::string_view stem;
    if (has_suffix(file_name, k_up_suffix)) {
        direction = Direction::up;
        stem = file_name.substr(0, file_name.size() - k_up_suffix.size());
    } else if (has_suffix(file_name, k_down_suffix)) {
        direction = Direction::down;
        stem = file_name.substr(0, file_name.size() - k_down_suffix.size());
    } else {
        *why = "does not end in .up.sql or .down.sql";
        return std::nullopt;
    }
    const std::size_t underscore = stem.find('_');
    const std::string_view digits = stem.substr(0, underscore);
    auto version = Version::parse(digits);
    if (!version) {
        *why = digits.empty() ? "has no version number before '_'"
                              : "version '" + util::printable(digits) + "' is not a decimal number";
        return std::nullopt;
    }
    if (underscore == std::string_view::npos || underscore + 1 == stem.size()) {
        *why = "has no name after the version";
        return std::nullopt;
    }
    const std::string_view name = stem.substr(underscore + 1);
    if (name.find_first_of("/\\") != std::string_view::npos || name.find('\0') != std::string_view::npos) {
        *why = "name contains a path separator";
        return std::nullopt;
    }
    // The name goes into messages, the tracking table and hook environments.
    if (std::any_of(name.begin(), name.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7F; })) {
        *why = "name contains a control character (a newline or a tab?)";
        return std::nullopt;
    }
    TextCheck text;
    text.feed(name);
    text.finish();
    if (text.problem()) {
        *why = "name is not UTF-8 text";
        return std::nullopt;
    }
    return ParsedName{*version, std::string(name), direction};
}

Catalog discover(std::vector<std::string> file_names, const std::vector<std::string>& ignore_patterns) {
    Catalog catalog;
    std::vector<NamedFile> files;
    files.reserve(file_names.size());
    std::vector<std::pair<std::string_view, std::string>> misnamed;  // file, why
    std::string why;
    for (auto& file : file_names) {
        if (is_ignored(file, ignore_patterns)) {
            continue;
        }
        if (auto parsed = parse_file_name(file, &why)) {
            files.push_back({std::move(*parsed), &file});
        } else if (!why.empty()) {
            misnamed.emplace_back(file, why);
        }
    }
    // Messages list files in the same order on every machine, whatever the
    // folder's order: misnamed files by name, then versions in order.
    std::sort(misnamed.begin(), misnamed.end());
    for (const auto& [file, reason] : misnamed) {
        catalog.errors.push_back(util::printable(file) + ": not a valid migration file name: " + reason + " (" +
                                 k_grammar_hint + ")");
    }
    files = in_version_order(std::move(files));
    catalog.migrations.reserve(files.size());
    for (auto first = files.begin(); first != files.end();) {
        const Version& version = first->parsed.version;
        auto last = first;
        while (last != files.end() && last->parsed.version == version) {
            ++last;
        }
        const auto downs = std::find_if(first, last, [](const NamedFile& f) { return f.parsed.direction == Direction::down; });
        add_version(catalog, std::span<NamedFile>(first, downs), std::span<NamedFile>(downs, last));
        first = last;
    }
    return catalog;
}

bool is_migration_candidate(std::string_view file_name, const std::vector<std::string>& ignore_patterns) {
    std::string why;
    return !is_ignored(std::string(file_name), ignore_patterns) &&
           (parse_file_name(file_name, &why) || !why.empty());
}

const Migration* find_migration(const std::vector<Migration>& migrations, const Version& version) {
    const auto it = std::lower_bound(migrations.begin(), migrations.end(), version,
                                     [](const Migration& m, const Version& v) { return m.version < v; });
    return it != migrations.end() && it->version == version ? &*it : nullptr;
}

}  // namespace sqlmig::core
