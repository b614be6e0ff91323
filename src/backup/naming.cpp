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

std::optional<std::string> backup_of_version_file(std::string_view file_name) {
    constexpr std::string_view suffix = ".version";
    if (file_name.size() <= suffix.size() || !file_name.ends_with(suffix)) {
        return std::nullopt;
    }
    return std::string(file_name.substr(0, file_name.size() - suffix.size()));
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

}  // namespace sqlmig::backup
