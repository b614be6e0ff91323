#include "db/mariadb/dump_text.hpp"

#include "db/dump_text.hpp"

namespace sqlmig::db {

using dump_text::filter_lines;
using dump_text::parse_int;

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

}  // namespace sqlmig::db
