#include "core/format.hpp"

#include <algorithm>
#include <regex>

#include "core/text_check.hpp"
#include "util/text.hpp"

namespace sqlmig::core {

namespace {

bool has_suffix(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// The name goes into messages, the tracking table and hook environments.
bool name_text_ok(std::string_view name, std::string* why) {
    if (name.find_first_of("/\\") != std::string_view::npos) {
        *why = "name contains a path separator";
        return false;
    }
    if (std::any_of(name.begin(), name.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7F; })) {
        *why = "name contains a control character (a newline or a tab?)";
        return false;
    }
    TextCheck text;
    text.feed(name);
    text.finish();
    if (text.problem()) {
        *why = "name is not UTF-8 text";
        return false;
    }
    return true;
}

std::optional<ParsedName> accepted(Version version, std::string_view name, FileRole role, std::string* why,
                                   std::string warning = {}) {
    if (!name_text_ok(name, why)) {
        return std::nullopt;
    }
    return ParsedName{std::move(version), std::string(name), role, std::move(warning)};
}

// golang-migrate's own grammar, ^([0-9]+)_(.*)\.(down|up)\.(.*)$, for names sqlmig's
// stricter one refuses: a folder golang-migrate runs must run here too.
std::optional<ParsedName> golang_migrate_name(std::string_view file_name, std::string* why) {
    static const std::regex grammar(R"(^([0-9]+)_(.*)\.(down|up)\.(.*)$)");
    std::cmatch m;
    if (!std::regex_match(file_name.begin(), file_name.end(), m, grammar) || m[2].length() == 0) {
        return std::nullopt;
    }
    const FileRole role = m.str(3) == "up" ? FileRole::up : FileRole::down;
    return accepted(*Version::parse(m.str(1)), m.str(2), role, why,
                    util::printable(file_name) + ": read as golang-migrate reads it (version " + m.str(1) + ", " +
                        m.str(3) + "); rename it to " + m.str(1) + "_" + util::printable(m.str(2)) + "." + m.str(3) +
                        ".sql when the databases that ran it allow");
}

std::optional<ParsedName> sqlmig_name(std::string_view file_name, std::string* why) {
    if (!util::ends_with_icase(file_name, ".sql")) {
        return std::nullopt;  // not SQL
    }
    FileRole role{};
    std::string_view stem;
    if (has_suffix(file_name, ".up.sql")) {
        role = FileRole::up;
        stem = file_name.substr(0, file_name.size() - 7);
    } else if (has_suffix(file_name, ".down.sql")) {
        role = FileRole::down;
        stem = file_name.substr(0, file_name.size() - 9);
    } else {
        if (auto lenient = golang_migrate_name(file_name, why); lenient || !why->empty()) {
            return lenient;
        }
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
    return accepted(std::move(*version), stem.substr(underscore + 1), role, why);
}

// dbmate v2 (pkg/dbmate/db.go): ^(\d+).*\.sql$, the digits are the version.
std::optional<ParsedName> dbmate_name(std::string_view file_name, std::string* why) {
    if (!has_suffix(file_name, ".sql")) {
        return std::nullopt;
    }
    const std::string_view stem = file_name.substr(0, file_name.size() - 4);
    const std::size_t digits = std::min(stem.find_first_not_of("0123456789"), stem.size());
    if (digits == 0) {
        *why = "does not start with a version number";
        return std::nullopt;
    }
    std::string_view name = stem.substr(digits);
    if (!name.empty() && name.front() == '_') {
        name.remove_prefix(1);
    }
    return accepted(*Version::parse(stem.substr(0, digits)), name, FileRole::both, why);
}

// goose v3 (NumericComponent): .sql and .go files, the version is the number before the first '_', at least 1.
std::optional<ParsedName> goose_name(std::string_view file_name, std::string* why) {
    const bool go = has_suffix(file_name, ".go");
    if (!go && !has_suffix(file_name, ".sql")) {
        return std::nullopt;
    }
    const std::size_t underscore = file_name.find('_');
    const auto version = underscore == std::string_view::npos ? std::nullopt : Version::parse(file_name.substr(0, underscore));
    if (go) {
        if (!version || has_suffix(file_name, "_test.go")) {
            return std::nullopt;  // goose skips Go files without a version, and tests
        }
        *why = "is a Go migration; sqlmig runs SQL only, so rewrite it as " +
               std::string(file_name.substr(0, file_name.size() - 3)) + ".sql or run it with goose";
        return std::nullopt;
    }
    if (underscore == std::string_view::npos) {
        *why = "has no '_' after the version";
        return std::nullopt;
    }
    if (!version || version->canonical() == "0") {
        *why = "version '" + util::printable(file_name.substr(0, underscore)) + "' is not a number from 1";
        return std::nullopt;
    }
    return accepted(*version, file_name.substr(underscore + 1, file_name.size() - underscore - 5), FileRole::both, why);
}

// sql-migrate (FileMigrationSource): every file ending in .sql; its whole name is the identity.
std::optional<ParsedName> sql_migrate_name(std::string_view file_name, std::string* why) {
    if (!has_suffix(file_name, ".sql")) {
        return std::nullopt;
    }
    std::string_view name = file_name.substr(0, file_name.size() - 4);
    const std::size_t digits = std::min(name.find_first_not_of("0123456789"), name.size());
    name.remove_prefix(digits);
    if (digits > 0 && !name.empty() && (name.front() == '_' || name.front() == '-')) {
        name.remove_prefix(1);
    }
    return accepted(Version::of_file_name(file_name), name.empty() ? file_name : name, FileRole::both, why);
}

// Flyway 10 (default sqlMigrationPrefix V, undoSqlMigrationPrefix U, repeatableSqlMigrationPrefix R,
// separator __, suffix .sql). Flyway skips other names; sqlmig does too, but says so for .sql files.
std::optional<ParsedName> flyway_name(std::string_view file_name, std::string* why, std::string* note) {
    if (has_suffix(file_name, ".sql.conf")) {
        return std::nullopt;  // a migration's settings, read with it
    }
    if (!has_suffix(file_name, ".sql")) {
        return std::nullopt;
    }
    const std::string_view stem = file_name.substr(0, file_name.size() - 4);
    const char prefix = stem.empty() ? '\0' : stem.front();
    const std::size_t separator = stem.find("__");
    if (prefix != 'V' && prefix != 'U' && prefix != 'R') {
        if (note) {
            *note = util::printable(file_name) + ": not a Flyway migration name (V<version>__<description>.sql); "
                    "not run (a Flyway callback is not run by sqlmig either)";
        }
        return std::nullopt;
    }
    if (separator == std::string_view::npos) {
        *why = "has no '__' between the version and the description";
        return std::nullopt;
    }
    std::string description(stem.substr(separator + 2));
    std::replace(description.begin(), description.end(), '_', ' ');
    if (prefix == 'R') {
        if (separator != 1 || description.empty()) {
            *why = separator != 1 ? "a repeatable migration has no version: R__<description>.sql"
                                  : "has no description after R__";
            return std::nullopt;
        }
        return accepted(Version::repeatable(description), description, FileRole::repeatable, why);
    }
    const std::string_view version_text = stem.substr(1, separator - 1);
    auto version = Version::parse_dotted(version_text);
    if (!version) {
        *why = version_text.empty() ? "has no version after " + std::string(1, prefix)
                                    : "version '" + util::printable(version_text) +
                                          "' is not numbers separated by '.' or '_'";
        return std::nullopt;
    }
    return accepted(std::move(*version), description, prefix == 'V' ? FileRole::up : FileRole::down, why);
}

}  // namespace

const char* format_name(Format format) {
    switch (format) {
    case Format::sqlmig: return "sqlmig";
    case Format::dbmate: return "dbmate";
    case Format::goose: return "goose";
    case Format::sql_migrate: return "sql-migrate";
    case Format::flyway: return "flyway";
    }
    return "";
}

std::optional<Format> parse_format(std::string_view name) {
    for (const Format f : {Format::sqlmig, Format::dbmate, Format::goose, Format::sql_migrate, Format::flyway}) {
        if (name == format_name(f)) {
            return f;
        }
    }
    if (name == "golang-migrate") {
        return Format::sqlmig;
    }
    return std::nullopt;
}

bool has_sections(Format format) {
    switch (format) {
    case Format::sqlmig:
    case Format::flyway: return false;
    case Format::dbmate:
    case Format::goose:
    case Format::sql_migrate: return true;
    }
    return false;
}

std::optional<ParsedName> parse_name(Format format, std::string_view file_name, std::string* why, std::string* note) {
    why->clear();
    if (note) {
        note->clear();
    }
    if (file_name.empty() || file_name.front() == '.') {
        return std::nullopt;  // hidden
    }
    switch (format) {
    case Format::sqlmig: return sqlmig_name(file_name, why);
    case Format::dbmate: return dbmate_name(file_name, why);
    case Format::goose: return goose_name(file_name, why);
    case Format::sql_migrate: return sql_migrate_name(file_name, why);
    case Format::flyway: return flyway_name(file_name, why, note);
    }
    return std::nullopt;
}

namespace {

// The up marker a line holds, as each tool writes it (case-insensitive after "--").
std::optional<Format> marker_format(std::string_view line) {
    line = util::trim(line);
    if (line.substr(0, 2) != "--") {
        return std::nullopt;
    }
    const std::string rest = util::to_lower(util::trim(line.substr(2)));
    const auto word_is = [&](std::string_view word) {
        return rest.size() >= word.size() && rest.compare(0, word.size(), word) == 0 &&
               (rest.size() == word.size() || rest[word.size()] == ' ' || rest[word.size()] == '\t');
    };
    if (word_is("migrate:up")) {
        return Format::dbmate;
    }
    if (word_is("+goose up")) {
        return Format::goose;
    }
    if (word_is("+migrate up")) {
        return Format::sql_migrate;
    }
    return std::nullopt;
}

std::optional<DetectedFormat> vote_of(const FileHead& file) {
    if (file.name.empty() || file.name.front() == '.' || !util::ends_with_icase(file.name, ".sql")) {
        return std::nullopt;
    }
    if (has_suffix(file.name, ".up.sql") || has_suffix(file.name, ".down.sql")) {
        return DetectedFormat{Format::sqlmig, util::printable(file.name) + " is named as golang-migrate names files"};
    }
    std::string why;
    if (const auto parsed = flyway_name(file.name, &why, nullptr); parsed && parsed->role != FileRole::repeatable) {
        return DetectedFormat{Format::flyway, util::printable(file.name) + " is named as Flyway names files"};
    }
    for (const auto& line : util::split(file.text, '\n')) {
        if (const auto format = marker_format(line)) {
            return DetectedFormat{*format,
                                  util::printable(file.name) + " has '" + util::printable(util::trim(line)) + "'"};
        }
    }
    return std::nullopt;
}

}  // namespace

std::optional<DetectedFormat> detect_format(const std::vector<FileHead>& files) {
    std::vector<std::pair<int, DetectedFormat>> votes;  // per format: count, first evidence
    for (const auto& file : files) {
        auto vote = vote_of(file);
        if (!vote) {
            continue;
        }
        auto it =
            std::find_if(votes.begin(), votes.end(), [&](const auto& v) { return v.second.format == vote->format; });
        if (it == votes.end()) {
            votes.emplace_back(1, std::move(*vote));
        } else {
            ++it->first;
        }
    }
    const auto best =
        std::max_element(votes.begin(), votes.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    if (best == votes.end()) {
        return std::nullopt;
    }
    return best->second;
}

const char* name_grammar_hint(Format format) {
    switch (format) {
    case Format::sqlmig:
        return "expected <version>_<name>.up.sql or <version>_<name>.down.sql, e.g. 004_add_email.up.sql";
    case Format::dbmate: return "expected <version>_<name>.sql, e.g. 20240101120000_add_email.sql";
    case Format::goose: return "expected <version>_<name>.sql with a version from 1, e.g. 00004_add_email.sql";
    case Format::sql_migrate: return "expected <name>.sql, e.g. 4_add_email.sql";
    case Format::flyway:
        return "expected V<version>__<description>.sql, U<version>__<description>.sql or R__<description>.sql";
    }
    return "";
}

}  // namespace sqlmig::core
