#include "core/discovery.hpp"

#include <fnmatch.h>

#include <algorithm>
#include <map>

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

const char* k_grammar_hint = "expected <version>_<name>.up.sql or <version>_<name>.down.sql, "
                             "e.g. 004_add_email.up.sql; list it under [migrations] ignore to skip it";

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
    return ParsedName{*version, std::string(name), direction};
}

Catalog discover(const std::vector<std::string>& file_names, const std::vector<std::string>& ignore_patterns) {
    Catalog catalog;
    struct Pair {
        std::vector<std::pair<std::string, ParsedName>> ups, downs;
    };
    std::map<Version, Pair> by_version;
    std::vector<std::string> sorted = file_names;
    std::sort(sorted.begin(), sorted.end());
    for (const auto& file : sorted) {
        if (is_ignored(file, ignore_patterns)) {
            continue;
        }
        std::string why;
        auto parsed = parse_file_name(file, &why);
        if (!parsed) {
            if (!why.empty()) {
                catalog.errors.push_back(util::printable(file) + ": not a valid migration file name: " + why + " (" +
                                         k_grammar_hint + ")");
            }
            continue;
        }
        auto& pair = by_version[parsed->version];
        (parsed->direction == Direction::up ? pair.ups : pair.downs).emplace_back(file, *parsed);
    }
    catalog.migrations.reserve(by_version.size());
    for (auto& [version, pair] : by_version) {
        for (auto* files : {&pair.ups, &pair.downs}) {
            if (files->size() > 1) {
                std::string names;
                for (const auto& f : *files) {
                    names += (names.empty() ? "" : ", ") + util::printable(f.first);
                }
                catalog.errors.push_back("two migrations have version " + version.canonical() + ": " + names +
                                         " (two branches merged? renumber one of them)");
            }
        }
        if (pair.ups.empty()) {
            for (const auto& d : pair.downs) {
                catalog.errors.push_back(util::printable(d.first) + ": down migration without an up migration for version " +
                                         version.text());
            }
            continue;
        }
        if (pair.ups.size() > 1 || pair.downs.size() > 1) {
            continue;
        }
        Migration m{pair.ups[0].second.version, pair.ups[0].second.name, pair.ups[0].first, std::nullopt, std::nullopt};
        if (!pair.downs.empty()) {
            m.down_file = pair.downs[0].first;
            if (pair.downs[0].second.name != m.name) {
                catalog.warnings.push_back(util::printable(m.up_file) + " and " + util::printable(*m.down_file) +
                                           " have different names; they pair by version " + m.version.text());
            }
        }
        catalog.migrations.push_back(std::move(m));
    }
    return catalog;
}

const Migration* find_migration(const std::vector<Migration>& migrations, const Version& version) {
    const auto it = std::lower_bound(migrations.begin(), migrations.end(), version,
                                     [](const Migration& m, const Version& v) { return m.version < v; });
    return it != migrations.end() && it->version == version ? &*it : nullptr;
}

}  // namespace sqlmig::core
