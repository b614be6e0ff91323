#pragma once
// A fleet: many databases (or PostgreSQL schemas) migrated by one command.
// The pure parts: target lists, names, selection, shards and how results add up.
// Running them is src/engine/fleet.cpp.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sqlmig::core {

// One database (or tenant schema) of the fleet.
struct FleetTarget {
    std::string name;    // unique; also the folder of its backups
    std::string url;     // raw, may hold a password: never printed unredacted
    std::string origin;  // where it was listed, for messages: "targets.txt:4", "config.toml:9:3"
    std::string schema;  // schema-per-tenant: the tenant's schema, "" otherwise
};

// Why a target name is unusable ("" when it is fine): 1 to 100 of [A-Za-z0-9_.-],
// starting with a letter or digit, so that it is safe as a folder name and in a shell.
std::string target_name_problem(std::string_view name);

// One "NAME URL" per line; '#' starts a comment line, blank lines are skipped.
// Each URL is kept as written (the caller expands ${VAR}). Errors name source:line.
struct TargetLine {
    std::string name;
    std::string url;
    int line = 0;
};
std::vector<TargetLine> parse_target_lines(std::string_view text, const std::string& source);

// Throws ConfigError for an empty list, a bad name or a name listed twice (naming both places).
void check_targets(const std::vector<FleetTarget>& targets, const std::string& source);

// The stable shard of a name: FNV-1a (64-bit) of its bytes, modulo count; shards are
// 1-based, so a name belongs to shard (hash % count) + 1 (docs/fleet.md).
std::uint64_t fnv1a64(std::string_view bytes);
int shard_of(std::string_view name, int count);

// "I/N" -> {I, N} with 1 <= I <= N <= 10000; nullopt otherwise.
struct Shard {
    int index = 1;
    int count = 1;
};
std::optional<Shard> parse_shard(std::string_view text);

// The targets an invocation runs: those matching every --only glob (any of them), none of
// the --exclude globs, and in the shard. Globs are shell patterns (fnmatch) over names.
struct Selection {
    std::vector<std::string> only;
    std::vector<std::string> exclude;
    std::optional<Shard> shard;
};
bool selected(const FleetTarget& target, const Selection& selection);

// The worst of two exit codes: a failure (1) outranks a usage or config error (2), which
// outranks a refusal (3), which outranks a migration whose table locks were not granted in
// time (5), which outranks the migration lock not taken (4); 0 is the least.
int worse_exit_code(int a, int b);

}  // namespace sqlmig::core
