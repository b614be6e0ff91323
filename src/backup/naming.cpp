#include "backup/naming.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <optional>

namespace sqlmig::backup {

namespace {

constexpr std::array<std::string_view, 3> k_kinds = {k_kind_before_migrate, k_kind_before_restore, k_kind_manual};
constexpr std::array<std::string_view, 3> k_extensions = {"dump", "sql", "db"};

bool all_digits(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// "YYYYMMDD-HHMMSS"
bool is_stamp(std::string_view s) {
    return s.size() == 15 && s[8] == '-' && all_digits(s.substr(0, 8)) && all_digits(s.substr(9));
}

std::optional<int> parse_int(std::string_view s) {
    int value = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (ec != std::errc() || end != s.data() + s.size()) {
        return std::nullopt;
    }
    return value;
}

bool newer(const BackupName& a, const BackupName& b) {
    return a.stamp != b.stamp ? a.stamp > b.stamp : a.suffix > b.suffix;
}

}  // namespace

std::string file_safe_name(std::string_view database_name) {
    std::string out;
    for (const char c : database_name) {
        const bool keep = std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
        out += keep ? c : '_';
    }
    if (out.empty() || out[0] == '.') {
        out.insert(0, "db");
    }
    return out;
}

std::string backup_file_name(std::string_view kind, std::string_view stamp, std::string_view database, int suffix,
                             std::string_view extension) {
    std::string name;
    name.append(kind).append("-").append(stamp).append("-").append(database);
    if (suffix > 0) {
        name.append("-").append(std::to_string(suffix));
    }
    return name.append(".").append(extension);
}

std::string BackupName::taken_at() const {
    return stamp.substr(0, 4) + "-" + stamp.substr(4, 2) + "-" + stamp.substr(6, 2) + " " + stamp.substr(9, 2) + ":" +
           stamp.substr(11, 2) + ":" + stamp.substr(13, 2) + " UTC";
}

std::optional<BackupName> parse_backup_name(std::string_view file, std::string_view database) {
    for (const std::string_view kind : k_kinds) {
        if (file.size() <= kind.size() + 1 || file.substr(0, kind.size()) != kind || file[kind.size()] != '-') {
            continue;
        }
        std::string_view rest = file.substr(kind.size() + 1);
        if (rest.size() < 16 || !is_stamp(rest.substr(0, 15)) || rest[15] != '-') {
            return std::nullopt;
        }
        BackupName name{std::string(file), std::string(kind), std::string(rest.substr(0, 15)), 0, ""};
        rest.remove_prefix(16);
        const std::size_t dot = rest.rfind('.');
        if (dot == std::string_view::npos) {
            return std::nullopt;
        }
        name.extension = std::string(rest.substr(dot + 1));
        if (std::find(k_extensions.begin(), k_extensions.end(), name.extension) == k_extensions.end()) {
            return std::nullopt;
        }
        rest = rest.substr(0, dot);
        if (rest == database) {
            return name;
        }
        // <database>-N, where N > 1 tells same-second backups apart
        if (rest.size() > database.size() + 1 && rest.substr(0, database.size()) == database &&
            rest[database.size()] == '-') {
            if (const auto n = parse_int(rest.substr(database.size() + 1)); n && *n > 1) {
                name.suffix = *n;
                return name;
            }
        }
        return std::nullopt;
    }
    return std::nullopt;
}

std::vector<BackupName> backups_of(const std::vector<std::string>& files, std::string_view database) {
    std::vector<BackupName> out;
    for (const auto& f : files) {
        if (auto b = parse_backup_name(f, database)) {
            out.push_back(std::move(*b));
        }
    }
    std::sort(out.begin(), out.end(), newer);
    return out;
}

std::string version_file_name(std::string_view backup_file) {
    return std::string(backup_file) + ".version";
}

std::vector<std::string> beyond_retention(std::vector<BackupName> backups, std::string_view kind, int keep) {
    std::vector<std::string> out;
    if (keep <= 0) {
        return out;
    }
    std::erase_if(backups, [&](const BackupName& b) { return b.kind != kind; });
    std::sort(backups.begin(), backups.end(), newer);
    for (std::size_t i = static_cast<std::size_t>(keep); i < backups.size(); ++i) {
        out.push_back(backups[i].file);
    }
    return out;
}

std::optional<PgMajor> pg_tool_major(std::string_view version_output) {
    // The version is the first word that starts with a digit: "pg_dump (PostgreSQL) 15.4 (Debian ...)".
    std::size_t i = 0;
    while (i < version_output.size()) {
        while (i < version_output.size() && std::isspace(static_cast<unsigned char>(version_output[i]))) {
            ++i;
        }
        std::size_t end = i;
        while (end < version_output.size() && !std::isspace(static_cast<unsigned char>(version_output[end]))) {
            ++end;
        }
        const std::string_view word = version_output.substr(i, end - i);
        if (!word.empty() && std::isdigit(static_cast<unsigned char>(word[0]))) {
            const std::size_t dot = word.find_first_not_of("0123456789");
            const auto major = parse_int(word.substr(0, dot));
            if (!major) {
                return std::nullopt;
            }
            if (*major >= 10) {
                return PgMajor{*major * 100, std::to_string(*major)};
            }
            // Before 10 the major version had two parts: 9.6
            if (dot == std::string_view::npos || word[dot] != '.') {
                return std::nullopt;
            }
            const std::string_view after = word.substr(dot + 1);
            const auto minor = parse_int(after.substr(0, after.find_first_not_of("0123456789")));
            if (!minor) {
                return std::nullopt;
            }
            return PgMajor{*major * 100 + *minor, std::to_string(*major) + "." + std::to_string(*minor)};
        }
        i = end;
    }
    return std::nullopt;
}

bool pg_dump_has_restrict_key(std::string_view help_output) {
    return help_output.find("--restrict-key") != std::string_view::npos;
}

PgMajor pg_server_major(int server_version_num) {
    if (server_version_num >= 100000) {
        const int major = server_version_num / 10000;
        return {major * 100, std::to_string(major)};
    }
    const int major = server_version_num / 10000;
    const int minor = server_version_num / 100 % 100;
    return {major * 100 + minor, std::to_string(major) + "." + std::to_string(minor)};
}

namespace {

// "10.11.6" at the start of word -> {10, 11}.
std::optional<std::pair<int, int>> major_minor(std::string_view word) {
    const std::size_t dot = word.find('.');
    if (dot == std::string_view::npos) {
        return std::nullopt;
    }
    const auto major = parse_int(word.substr(0, dot));
    const std::string_view after = word.substr(dot + 1);
    const auto minor = parse_int(after.substr(0, after.find_first_not_of("0123456789")));
    if (!major || !minor) {
        return std::nullopt;
    }
    return std::pair{*major, *minor};
}

}  // namespace

std::optional<MysqlRelease> mysql_tool_release(std::string_view out) {
    const std::size_t tag = out.find("-MariaDB");
    if (tag != std::string_view::npos) {
        // The release is the word that ends in -MariaDB (after "Distrib" or "from").
        const std::size_t start = out.find_last_of(" \t", tag);
        const std::string_view word = out.substr(start == std::string_view::npos ? 0 : start + 1);
        const auto mm = major_minor(word);
        if (!mm) {
            return std::nullopt;
        }
        return MysqlRelease{mm->first * 100 + mm->second, true,
                            std::to_string(mm->first) + "." + std::to_string(mm->second)};
    }
    const std::size_t ver = out.find("Ver ");
    if (ver == std::string_view::npos || out.find("mysqldump") == std::string_view::npos) {
        return std::nullopt;
    }
    const auto mm = major_minor(out.substr(ver + 4));
    if (!mm) {
        return std::nullopt;
    }
    return MysqlRelease{mm->first * 100 + mm->second, false, std::to_string(mm->first) + "." + std::to_string(mm->second)};
}

MysqlRelease mysql_server_release(int server_version) {
    const int major = server_version / 10000;
    const int minor = server_version / 100 % 100;
    return {major * 100 + minor, major >= 10, std::to_string(major) + "." + std::to_string(minor)};
}

namespace {

// Keeps the dump's lines for which `keep` returns a line (possibly rewritten).
template <typename Keep>
std::string filter_lines(std::string_view dump, Keep keep) {
    std::string out;
    out.reserve(dump.size());
    while (!dump.empty()) {
        const auto end = dump.find('\n');
        const std::string_view line = dump.substr(0, end);
        dump = end == std::string_view::npos ? std::string_view() : dump.substr(end + 1);
        if (const auto kept = keep(line)) {
            out.append(*kept);
            out.push_back('\n');
        }
    }
    return out;
}

}  // namespace

std::string baseline_from_pg_dump(std::string_view dump) {
    static constexpr std::string_view k_dropped[] = {
        "SET statement_timeout = 0;", "SET lock_timeout = 0;", "SET idle_in_transaction_session_timeout = 0;",
        "SET transaction_timeout = 0;", "SET client_encoding = 'UTF8';", "SET client_min_messages = warning;",
        "SELECT pg_catalog.set_config('search_path', '', false);", "SET default_tablespace = '';",
        "SET default_table_access_method = heap;"};
    static constexpr std::string_view k_local[] = {"SET standard_conforming_strings = on;",
                                                   "SET check_function_bodies = false;", "SET xmloption = content;",
                                                   "SET row_security = off;"};
    return filter_lines(dump, [](std::string_view line) -> std::optional<std::string> {
        if (line.starts_with("\\") || line.starts_with("-- Dumped from database version") ||
            line.starts_with("-- Dumped by pg_dump version")) {
            return std::nullopt;
        }
        for (const auto dropped : k_dropped) {
            if (line == dropped) {
                return std::nullopt;
            }
        }
        for (const auto local : k_local) {
            if (line == local) {
                return "SET LOCAL " + std::string(line.substr(4));
            }
        }
        return std::string(line);
    });
}

namespace {

// The end of a backquoted name starting at `at` (MySQL doubles a backquote inside one).
std::size_t after_backquoted(std::string_view text, std::size_t at) {
    if (at >= text.size() || text[at] != '`') {
        return std::string_view::npos;
    }
    for (std::size_t i = at + 1; i < text.size(); ++i) {
        if (text[i] == '`') {
            if (i + 1 < text.size() && text[i + 1] == '`') {
                ++i;
                continue;
            }
            return i + 1;
        }
    }
    return std::string_view::npos;
}

// The line without its DEFINER=`user`@`host` clauses (and the versioned comment left empty by
// one): the objects are then made by whoever applies the baseline, as a migration's are.
std::string without_definer(std::string_view line) {
    static constexpr std::string_view k_definer = "DEFINER=`";
    std::string out;
    std::size_t from = 0;
    for (auto at = line.find(k_definer); at != std::string_view::npos; at = line.find(k_definer, from)) {
        const std::size_t user_end = after_backquoted(line, at + k_definer.size() - 1);
        const std::size_t host_end = user_end < line.size() && line[user_end] == '@'
                                         ? after_backquoted(line, user_end + 1)
                                         : std::string_view::npos;
        if (host_end == std::string_view::npos) {
            break;
        }
        out.append(line.substr(from, at - from));
        from = host_end < line.size() && line[host_end] == ' ' ? host_end + 1 : host_end;
    }
    out.append(line.substr(from));
    constexpr std::string_view k_empty = " /*!50017 */";
    for (auto at = out.find(k_empty); at != std::string::npos; at = out.find(k_empty)) {
        out.erase(at, k_empty.size());
    }
    return out;
}

}  // namespace

std::string baseline_from_mariadb_dump(std::string_view dump) {
    return filter_lines(dump, [](std::string_view line) -> std::optional<std::string> {
        if (line.starts_with("/*M!999999\\- enable the sandbox mode")) {
            return std::nullopt;
        }
        // Only where mariadb-dump writes objects: a row's text is data, whatever it holds.
        const bool object = line.starts_with("/*!") || line.starts_with("CREATE ");
        return object ? without_definer(line) : std::string(line);
    });
}

}  // namespace sqlmig::backup
