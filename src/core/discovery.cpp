#include "core/discovery.hpp"

#include <fnmatch.h>

#include <algorithm>
#include <span>
#include <utility>

#include "core/text_check.hpp"
#include "util/text.hpp"

namespace sqlmig::core {

namespace {

bool is_ignored(const std::string& name, const std::vector<std::string>& patterns) {
    return std::any_of(patterns.begin(), patterns.end(), [&](const std::string& p) {
        return p == name || fnmatch(p.c_str(), name.c_str(), FNM_PERIOD) == 0;
    });
}

std::string quantity(std::size_t n) {
    static const char* const words[] = {"no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"};
    return n < 10 ? words[n] : std::to_string(n);
}

bool is_down(const ParsedName& p) {
    return p.role == FileRole::down;
}

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
        if (is_down(a->parsed) != is_down(b->parsed)) {
            return is_down(b->parsed);
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
void add_version(Catalog& catalog, std::span<NamedFile> ups, std::span<NamedFile> downs, Format format) {
    const Version version = (ups.empty() ? downs : ups).front().parsed.version;
    for (const auto group : {ups, downs}) {
        if (group.size() > 1) {
            std::string names;
            for (const auto& f : group) {
                names += (names.empty() ? "" : ", ") + util::printable(*f.name);
            }
            const char* direction = has_sections(format) ? "" : is_down(group.front().parsed) ? " down" : " up";
            catalog.errors.push_back({"",
                                      quantity(group.size()) + direction + " files have version " +
                                          version.canonical() + ": " + names +
                                          " (branches merged? give each migration a version of its own)",
                                      FolderRule::duplicate_version});
        }
    }
    if (ups.empty()) {
        for (const auto& d : downs) {
            catalog.errors.push_back({util::printable(*d.name),
                                      "down migration without an up migration for version " + version.text(),
                                      FolderRule::down_without_up});
        }
        return;
    }
    if (ups.size() > 1 || downs.size() > 1) {
        return;
    }
    Migration m{std::move(ups[0].parsed.version), std::move(ups[0].parsed.name), std::move(*ups[0].name), std::nullopt,
                format, std::nullopt, false, std::nullopt};
    if (ups[0].parsed.role == FileRole::both) {
        m.down_file = m.up_file;
    } else if (!downs.empty()) {
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
    return parse_name(Format::sqlmig, file_name, why);
}

Catalog discover(std::vector<std::string> file_names, const std::vector<std::string>& ignore_patterns, Format format) {
    Catalog catalog;
    std::vector<NamedFile> files;
    files.reserve(file_names.size());
    std::vector<std::pair<std::string_view, std::string>> misnamed;  // file, why
    std::vector<std::string> notes;
    std::string why;
    std::string note;
    for (auto& file : file_names) {
        if (is_ignored(file, ignore_patterns)) {
            continue;
        }
        if (auto parsed = parse_name(format, file, &why, &note)) {
            if (!parsed->warning.empty()) {
                notes.push_back(std::move(parsed->warning));
            }
            files.push_back({std::move(*parsed), &file});
        } else if (!why.empty()) {
            misnamed.emplace_back(file, why);
        } else if (!note.empty()) {
            notes.push_back(note);
        }
    }
    std::sort(notes.begin(), notes.end());
    catalog.warnings = std::move(notes);
    // Messages list files in the same order on every machine, whatever the
    // folder's order: misnamed files by name, then versions in order.
    std::sort(misnamed.begin(), misnamed.end());
    for (const auto& [file, reason] : misnamed) {
        catalog.errors.push_back({util::printable(file), "not a valid migration file name: " + reason + " (" +
                                                              name_grammar_hint(format) +
                                                              "; list it under [migrations] ignore to skip it)"});
    }
    files = in_version_order(std::move(files));
    catalog.migrations.reserve(files.size());
    for (auto first = files.begin(); first != files.end();) {
        const Version& version = first->parsed.version;
        auto last = first;
        while (last != files.end() && last->parsed.version == version) {
            ++last;
        }
        const auto downs = std::find_if(first, last, [](const NamedFile& f) { return is_down(f.parsed); });
        add_version(catalog, std::span<NamedFile>(first, downs), std::span<NamedFile>(downs, last), format);
        first = last;
    }
    return catalog;
}

bool is_migration_candidate(std::string_view file_name, const std::vector<std::string>& ignore_patterns,
                            Format format) {
    std::string why;
    return !is_ignored(std::string(file_name), ignore_patterns) &&
           (parse_name(format, file_name, &why) || !why.empty());
}

const Migration* find_migration(const std::vector<Migration>& migrations, const Version& version) {
    const auto it = std::lower_bound(migrations.begin(), migrations.end(), version,
                                     [](const Migration& m, const Version& v) { return m.version < v; });
    return it != migrations.end() && it->version == version ? &*it : nullptr;
}

}  // namespace sqlmig::core
