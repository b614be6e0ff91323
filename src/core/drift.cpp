#include "core/drift.hpp"

#include <fnmatch.h>

#include <algorithm>
#include <array>
#include <map>
#include <optional>
#include <utility>

#include "util/error.hpp"
#include "util/text.hpp"

namespace sqlmig::core {

namespace {

constexpr std::array<std::pair<ObjectKind, std::string_view>, 14> k_kinds{{
    {ObjectKind::schema, "schema"},
    {ObjectKind::extension, "extension"},
    {ObjectKind::table, "table"},
    {ObjectKind::view, "view"},
    {ObjectKind::sequence, "sequence"},
    {ObjectKind::column, "column"},
    {ObjectKind::constraint, "constraint"},
    {ObjectKind::index, "index"},
    {ObjectKind::function, "function"},
    {ObjectKind::trigger, "trigger"},
    {ObjectKind::type, "type"},
    {ObjectKind::policy, "policy"},
    {ObjectKind::comment, "comment"},
    {ObjectKind::event, "event"},
}};

bool glob_matches(const std::string& glob, const std::string& name) {
    return fnmatch(glob.c_str(), name.c_str(), 0) == 0;
}

// Where a '[' opens a bracket expression that no ']' closes, if one does. fnmatch() would take such a '['
// as a plain character, and "[abc" would then match only an object named "[abc": a typo, most likely.
std::optional<std::size_t> unclosed_bracket(std::string_view glob) {
    for (std::size_t i = 0; i < glob.size(); ++i) {
        if (glob[i] == '\\') {
            ++i;  // an escaped character, '[' included
        } else if (glob[i] == '[') {
            std::size_t j = i + 1;
            if (j < glob.size() && glob[j] == '!') {
                ++j;
            }
            if (j < glob.size() && glob[j] == ']') {
                ++j;  // "[]...]": a first ']' is one of the set
            }
            const auto close = glob.find(']', j);
            if (close == std::string_view::npos) {
                return i;
            }
            i = close;
        }
    }
    return std::nullopt;
}

bool is_relation(ObjectKind kind) { return kind == ObjectKind::table || kind == ObjectKind::view; }

using ObjectKey = std::pair<ObjectKind, std::string>;

// The lines of an object that belongs to a table added or missing as a whole go with the table's:
// a new table is one finding, not one per column.
void fold_into_tables(std::map<ObjectKey, ObjectDrift>& objects) {
    for (auto it = objects.begin(); it != objects.end();) {
        const ObjectDrift& d = it->second;
        auto parent = objects.end();
        if (!d.object.table.empty() && !is_relation(d.object.kind)) {
            parent = objects.find({ObjectKind::table, d.object.table});
            if (parent == objects.end()) {
                parent = objects.find({ObjectKind::view, d.object.table});
            }
        }
        if (parent == objects.end() || parent->second.change == ObjectChange::changed ||
            parent->second.change != d.change) {
            ++it;
            continue;
        }
        auto& into = parent->second;
        into.expected.insert(into.expected.end(), d.expected.begin(), d.expected.end());
        into.found.insert(into.found.end(), d.found.begin(), d.found.end());
        std::sort(into.expected.begin(), into.expected.end());
        std::sort(into.found.begin(), into.found.end());
        it = objects.erase(it);
    }
}

}  // namespace

std::string_view to_string(ObjectKind kind) {
    for (const auto& [k, word] : k_kinds) {
        if (k == kind) {
            return word;
        }
    }
    return "object";
}

std::optional<ObjectKind> parse_object_kind(std::string_view word) {
    for (const auto& [k, w] : k_kinds) {
        if (w == word) {
            return k;
        }
    }
    return std::nullopt;
}

std::string_view to_string(ObjectChange change) {
    switch (change) {
    case ObjectChange::added: return "added";
    case ObjectChange::missing: return "missing";
    case ObjectChange::changed: return "changed";
    }
    return "changed";
}

std::pair<std::string_view, std::string_view> snapshot_word(std::string_view rest) {
    int depth = 0;
    std::size_t i = 0;
    for (; i < rest.size(); ++i) {
        const char c = rest[i];
        if (c == '(') {
            ++depth;
        } else if (c == ')' && depth > 0) {
            --depth;
        } else if (c == ' ' && depth == 0) {
            break;
        }
    }
    return {rest.substr(0, i), i < rest.size() ? rest.substr(i + 1) : std::string_view()};
}

std::string snapshot_owner(std::string_view member) {
    const auto dot = member.rfind('.');
    return dot == std::string_view::npos ? std::string() : std::string(member.substr(0, dot));
}

SchemaObject object_of(std::string_view line, Dialect dialect) {
    const auto [tag, rest] = snapshot_word(line);
    return dialect->snapshot_object(tag, rest);
}

DriftPattern parse_drift_pattern(std::string_view text, const std::string& where) {
    const std::string_view trimmed = util::trim(text);
    DriftPattern p;
    p.text = std::string(trimmed);
    const auto colon = trimmed.find(':');
    if (colon != std::string_view::npos) {
        const std::string_view word = trimmed.substr(0, colon);
        p.kind = parse_object_kind(word);
        if (!p.kind) {
            throw ConfigError(where + ": unknown object kind '" + util::printable(std::string(word)) +
                              "' in pattern '" + util::printable(p.text) + "'; expected one of " +
                              k_object_kind_names);
        }
        p.glob = std::string(trimmed.substr(colon + 1));
    } else {
        p.glob = p.text;
    }
    if (p.glob.empty()) {
        throw ConfigError(where + ": empty pattern" + (p.text.empty() ? "" : " in '" + util::printable(p.text) + "'") +
                          "; expected GLOB or KIND:GLOB, e.g. \"extension:*\" or \"schema:audit\"");
    }
    if (const auto at = unclosed_bracket(p.glob)) {
        throw ConfigError(where + ": pattern '" + util::printable(p.text) + "' has a '[' at character " +
                          std::to_string(*at + 1) + " of '" + util::printable(p.glob) +
                          "' that no ']' closes; close the set, or write \\[ for the character [");
    }
    return p;
}

bool matches(const DriftPattern& pattern, const SchemaObject& object) {
    if (!pattern.kind || *pattern.kind == object.kind) {
        if (glob_matches(pattern.glob, object.name)) {
            return true;
        }
    }
    if (pattern.kind == ObjectKind::table && !object.table.empty()) {
        return glob_matches(pattern.glob, object.table);
    }
    if (pattern.kind == ObjectKind::schema && object.kind != ObjectKind::schema &&
        object.kind != ObjectKind::extension) {
        const auto dot = object.name.find('.');
        return dot != std::string::npos && glob_matches(pattern.glob, object.name.substr(0, dot));
    }
    return false;
}

std::vector<DriftPattern> parse_drift_ignore_file(std::string_view text, const std::string& label) {
    std::vector<DriftPattern> out;
    std::size_t line_no = 0;
    while (!text.empty()) {
        ++line_no;
        const auto end = text.find('\n');
        std::string_view line = text.substr(0, end);
        text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
        if (const auto hash = line.find('#'); hash != std::string_view::npos) {
            line = line.substr(0, hash);
        }
        if (!util::trim(line).empty()) {
            out.push_back(parse_drift_pattern(line, label + ":" + std::to_string(line_no)));
        }
    }
    return out;
}

DriftReport compare_schemas(const std::vector<std::string>& expected, const std::vector<std::string>& live,
                            Dialect dialect, const std::vector<DriftPattern>& ignore) {
    std::map<ObjectKey, ObjectDrift> objects;
    const auto add = [&](const std::string& line, std::vector<std::string> ObjectDrift::*side) {
        SchemaObject o = object_of(line, dialect);
        ObjectDrift& d = objects[{o.kind, o.name}];
        d.object = std::move(o);
        (d.*side).push_back(line);
    };
    std::size_t i = 0, j = 0;
    while (i < expected.size() || j < live.size()) {
        if (j == live.size() || (i < expected.size() && expected[i] < live[j])) {
            add(expected[i++], &ObjectDrift::expected);
        } else if (i == expected.size() || live[j] < expected[i]) {
            add(live[j++], &ObjectDrift::found);
        } else {
            ++i;
            ++j;
        }
    }
    for (auto& [key, d] : objects) {
        d.change = d.expected.empty() ? ObjectChange::added
                   : d.found.empty()  ? ObjectChange::missing
                                      : ObjectChange::changed;
    }
    fold_into_tables(objects);
    DriftReport report;
    for (auto it = objects.begin(); it != objects.end();) {
        const ObjectDrift& d = it->second;
        const bool ignored = std::any_of(ignore.begin(), ignore.end(),
                                         [&](const DriftPattern& p) { return matches(p, d.object); });
        if (ignored) {
            ++report.ignored;
            it = objects.erase(it);
        } else {
            ++it;
        }
    }
    for (auto& [key, d] : objects) {
        report.objects.push_back(std::move(d));
    }
    return report;
}

}  // namespace sqlmig::core
