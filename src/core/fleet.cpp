#include "core/fleet.hpp"

#include <fnmatch.h>

#include <algorithm>
#include <charconv>
#include <map>

#include "util/error.hpp"
#include "util/text.hpp"

namespace sqlmig::core {

namespace {

bool name_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
           c == '-';
}

bool matches(const std::string& glob, const std::string& name) {
    return ::fnmatch(glob.c_str(), name.c_str(), 0) == 0;
}

std::optional<int> whole_number(std::string_view text) {
    int value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || text.empty()) {
        return std::nullopt;
    }
    return value;
}

}  // namespace

std::string target_name_problem(std::string_view name) {
    if (name.empty()) {
        return "a target needs a name";
    }
    if (name.size() > 100) {
        return "a target name has at most 100 characters";
    }
    if (!std::all_of(name.begin(), name.end(), name_char) || name.front() == '.' || name.front() == '-' ||
        name.front() == '_') {
        return "target name '" + util::printable(name) +
               "' must be letters, digits, '_', '.' and '-', starting with a letter or digit";
    }
    return "";
}

std::vector<TargetLine> parse_target_lines(std::string_view text, const std::string& source) {
    std::vector<TargetLine> out;
    int line_number = 0;
    for (std::string_view rest = text; !rest.empty();) {
        const auto eol = rest.find('\n');
        std::string_view line = rest.substr(0, eol);
        rest = eol == std::string_view::npos ? std::string_view() : rest.substr(eol + 1);
        ++line_number;
        line = util::trim(line);
        if (line.empty() || line.front() == '#') {
            continue;
        }
        const auto space = line.find_first_of(" \t");
        const std::string where = source + ":" + std::to_string(line_number);
        if (space == std::string_view::npos) {
            throw ConfigError(where + ": expected 'NAME URL', found one word ('" +
                              util::printable(util::shorten(std::string(line), 60)) + "')");
        }
        const std::string_view url = util::trim(line.substr(space));
        if (url.find_first_of(" \t") != std::string_view::npos) {
            throw ConfigError(where + ": expected 'NAME URL', found more than two words (a URL has no spaces; "
                              "write %20)");
        }
        out.push_back({std::string(line.substr(0, space)), std::string(url), line_number});
    }
    return out;
}

void check_targets(const std::vector<FleetTarget>& targets, const std::string& source) {
    if (targets.empty()) {
        throw ConfigError(source + " lists no target; a fleet needs at least one");
    }
    std::map<std::string_view, const FleetTarget*> seen;
    for (const auto& t : targets) {
        if (const std::string problem = target_name_problem(t.name); !problem.empty()) {
            throw ConfigError(t.origin + ": " + problem);
        }
        if (util::trim(t.url).empty()) {
            throw ConfigError(t.origin + ": target '" + t.name + "' has an empty URL");
        }
        const auto [it, inserted] = seen.emplace(t.name, &t);
        if (!inserted) {
            throw ConfigError(t.origin + ": target '" + t.name + "' is listed twice (first at " + it->second->origin +
                              "); names must be unique: they name each target's backups and results");
        }
    }
}

std::uint64_t fnv1a64(std::string_view bytes) {
    std::uint64_t hash = 14695981039346656037ull;
    for (const char c : bytes) {
        hash ^= static_cast<unsigned char>(c);
        hash *= 1099511628211ull;
    }
    return hash;
}

int shard_of(std::string_view name, int count) {
    return static_cast<int>(fnv1a64(name) % static_cast<std::uint64_t>(count)) + 1;
}

std::optional<Shard> parse_shard(std::string_view text) {
    const auto slash = text.find('/');
    if (slash == std::string_view::npos) {
        return std::nullopt;
    }
    const auto index = whole_number(text.substr(0, slash));
    const auto count = whole_number(text.substr(slash + 1));
    if (!index || !count || *count < 1 || *count > 10000 || *index < 1 || *index > *count) {
        return std::nullopt;
    }
    return Shard{*index, *count};
}

bool selected(const FleetTarget& target, const Selection& selection) {
    if (!selection.only.empty() &&
        std::none_of(selection.only.begin(), selection.only.end(),
                     [&](const std::string& g) { return matches(g, target.name); })) {
        return false;
    }
    if (std::any_of(selection.exclude.begin(), selection.exclude.end(),
                    [&](const std::string& g) { return matches(g, target.name); })) {
        return false;
    }
    return !selection.shard || shard_of(target.name, selection.shard->count) == selection.shard->index;
}

int worse_exit_code(int a, int b) {
    // 1 is the worst, then 2, 3, 5 (a migration's locks not granted), 4; 0 the least.
    const auto rank = [](int code) {
        switch (code) {
        case 0: return 0;
        case 4: return 1;
        case 5: return 2;
        case 3: return 3;
        case 2: return 4;
        case 1: return 5;
        default: return 6;
        }
    };
    return rank(a) >= rank(b) ? a : b;
}

}  // namespace sqlmig::core
