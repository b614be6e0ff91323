#include "db/postgres/dump_text.hpp"

#include <cctype>

#include "db/dump_text.hpp"

namespace sqlmig::db {

using dump_text::filter_lines;
using dump_text::parse_int;

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

}  // namespace sqlmig::db
