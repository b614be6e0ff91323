#include "core/plan.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "core/squash.hpp"
#include "util/error.hpp"
#include "util/text.hpp"

namespace sqlmig::core {

const char* to_string(EntryState state) {
    switch (state) {
    case EntryState::applied: return "applied";
    case EntryState::pending: return "pending";
    case EntryState::modified: return "modified";
    case EntryState::missing: return "missing";
    case EntryState::failed: return "failed";
    case EntryState::running: return "running";
    case EntryState::squashed: return "squashed";
    }
    return "unknown";
}

std::size_t Status::pending_count() const {
    return static_cast<std::size_t>(std::count_if(entries.begin(), entries.end(),
                                                  [](const StatusEntry& e) { return e.state == EntryState::pending; }));
}

std::string Status::display(const StatusEntry& entry) const {
    if (entry.migration && !entry.migration->stored) {
        return entry.migration->version.display();
    }
    const std::string& digits = entry.version.canonical();
    const bool plain_number = digits.find_first_not_of("0123456789") == std::string::npos;
    if (plain_number && digits.size() < padded_width) {
        return std::string(padded_width - digits.size(), '0') + digits;
    }
    return entry.version.display();
}

const StatusEntry* Status::find(const Version& version) const {
    const auto it = std::lower_bound(entries.begin(), entries.end(), version,
                                     [](const StatusEntry& e, const Version& v) { return e.version < v; });
    return it != entries.end() && it->version == version ? &*it : nullptr;
}

std::string Status::display(const Version& version) const {
    const StatusEntry* entry = find(version);
    return entry ? display(*entry) : version.display();
}

const std::string& Status::as_written(const StatusEntry& entry) {
    return entry.migration ? entry.migration->version.text() : entry.version.canonical();
}

std::string Status::as_written(const Version& version) const {
    const StatusEntry* entry = find(version);
    return entry ? as_written(*entry) : version.text();
}

namespace {

EntryState state_of(const StatusEntry& e) {
    if (!e.row) {
        return EntryState::pending;
    }
    if (e.row->state == k_state_failed) {
        return EntryState::failed;
    }
    if (e.row->state == k_state_running || e.row->state == k_state_reverting) {
        return EntryState::running;
    }
    if (e.baseline && e.baseline != e.migration) {
        return EntryState::squashed;
    }
    if (!e.migration || e.migration->stored) {
        return EntryState::missing;
    }
    if (e.migration->checksum && *e.migration->checksum != e.row->checksum) {
        // Flyway runs a repeatable migration again whenever it changes.
        return e.version.is_repeatable() ? EntryState::pending : EntryState::modified;
    }
    return EntryState::applied;
}

// Points each entry inside a baseline's range (its own version included) at the baseline.
// Entries are in version order and a baseline ends its range, so one pass from the end.
void mark_baselines(std::vector<StatusEntry>& entries) {
    const Migration* active = nullptr;
    for (auto it = entries.rbegin(); it != entries.rend(); ++it) {
        if (it->version.is_repeatable()) {
            continue;
        }
        if (active && it->version < *active->squashes_from) {
            active = nullptr;
        }
        if (it->migration && !it->migration->stored && it->migration->squashes_from) {
            active = it->migration;
        }
        it->baseline = active;
    }
}

// A database migrated by the old files past a baseline recorded its version with the old
// file's checksum: the baseline counts as applied there (it would only make what is there).
// A database made from the baseline has no squashed rows, and an edited baseline stays modified.
void accept_baselines_applied_by_old_files(std::vector<StatusEntry>& entries) {
    for (auto& e : entries) {
        if (e.state != EntryState::modified || !e.baseline || e.baseline != e.migration) {
            continue;
        }
        const bool old_files_applied = std::any_of(entries.begin(), entries.end(), [&](const StatusEntry& other) {
            return other.baseline == e.migration && other.state == EntryState::squashed;
        });
        if (old_files_applied) {
            e.state = EntryState::applied;
        }
    }
}

// The width of the folder's numbered versions when they are zero-padded ("001"), else 0.
std::size_t padded_width(const std::vector<Migration>& migrations) {
    std::size_t width = 0;
    bool padded = false;
    for (const auto& m : migrations) {
        const std::string& text = m.version.text();
        if (m.stored || text.empty() || text.find_first_not_of("0123456789") != std::string::npos) {
            continue;
        }
        padded = padded || (text.size() > 1 && text.front() == '0');
        width = std::max(width, text.size());
    }
    return padded ? width : 0;
}

}  // namespace

Status build_status(const std::vector<Migration>& migrations, const std::vector<AppliedRow>& rows) {
    // Both in version order, then merged like sorted lists: no map, no copies
    // of rows (status of 10,000 migrations builds this in a few milliseconds).
    std::vector<const AppliedRow*> sorted_rows;
    sorted_rows.reserve(rows.size());
    for (const auto& r : rows) {
        sorted_rows.push_back(&r);
    }
    const auto by_version = [](const AppliedRow* a, const AppliedRow* b) { return a->version < b->version; };
    if (!std::is_sorted(sorted_rows.begin(), sorted_rows.end(), by_version)) {  // PostgreSQL's usually are
        std::sort(sorted_rows.begin(), sorted_rows.end(), by_version);
    }
    Status status;
    status.entries.reserve(migrations.size() + rows.size());
    auto m = migrations.begin();
    auto r = sorted_rows.begin();
    while (m != migrations.end() || r != sorted_rows.end()) {
        StatusEntry e;
        const bool take_file = m != migrations.end() && (r == sorted_rows.end() || m->version <= (*r)->version);
        const bool take_row = r != sorted_rows.end() && (m == migrations.end() || (*r)->version <= m->version);
        if (take_file) {
            e.migration = &*m++;
        }
        if (take_row) {
            e.row = *r++;
        }
        e.version = e.migration ? e.migration->version : e.row->version;
        e.name = e.migration ? e.migration->name : e.row->name;
        status.entries.push_back(std::move(e));
    }
    mark_baselines(status.entries);
    for (auto& e : status.entries) {
        e.state = state_of(e);
        if (e.row && !is_unfinished(e.state) && !e.version.is_repeatable()) {
            status.current = e.version;
        }
    }
    accept_baselines_applied_by_old_files(status.entries);
    for (auto& e : status.entries) {
        e.out_of_order = e.state == EntryState::pending && status.current && e.version < *status.current &&
                         !e.version.is_repeatable();
    }
    status.padded_width = padded_width(migrations);
    return status;
}

std::optional<Version> version_after(const Status& status, const std::vector<Step>& steps) {
    std::set<Version> applied;
    for (const auto& e : status.entries) {
        if (e.row && !is_unfinished(e.state) && !e.version.is_repeatable()) {
            applied.insert(e.version);
        }
    }
    for (const auto& step : steps) {
        if (step.migration->version.is_repeatable()) {
            continue;
        }
        if (step.direction == Direction::up) {
            applied.insert(step.migration->version);
        } else {
            applied.erase(step.migration->version);
        }
    }
    return applied.empty() ? std::nullopt : std::optional<Version>(*applied.rbegin());
}

bool same_name(std::string_view recorded, std::string_view file) {
    const auto normal = [](std::string_view name) {
        std::string out = util::to_lower(name);
        std::replace_if(out.begin(), out.end(), [](char c) { return c == '-' || c == ' '; }, '_');
        return out;
    };
    return recorded.empty() || normal(recorded) == normal(file);
}

HistoryMatch match_history(const Status& status) {
    HistoryMatch match;
    for (const auto& e : status.entries) {
        if (!e.row || e.row->state != k_state_applied || e.version.is_repeatable() ||
            e.state == EntryState::squashed) {
            continue;
        }
        ++match.applied;
        if (!e.migration || e.migration->stored) {
            match.unknown.push_back(&e);
        } else if (!same_name(e.row->name, e.migration->name) && e.state == EntryState::modified) {
            match.renamed.push_back(&e);
        }
    }
    match.files = static_cast<std::size_t>(std::count_if(status.entries.begin(), status.entries.end(),
                                                         [](const StatusEntry& e) {
                                                             return e.migration && !e.migration->stored;
                                                         }));
    return match;
}

bool HistoryMatch::from_another_folder() const {
    const std::size_t known = applied - unknown.size();
    const bool nothing_shared = applied > 0 && files > 0 && renamed.size() == known;
    const bool mostly_unknown = applied >= 2 && 2 * unknown.size() > applied;
    const bool mostly_renamed = !renamed.empty() && 2 * renamed.size() > known;
    return nothing_shared || mostly_unknown || mostly_renamed;
}

std::string HistoryMatch::describe(const Status& status) const {
    constexpr std::size_t k_examples = 3;
    std::string text;
    const auto examples = [&](const std::vector<const StatusEntry*>& entries, auto&& describe_one) {
        std::string list;
        for (std::size_t i = 0; i < entries.size() && i < k_examples; ++i) {
            list += (i ? ", " : "") + describe_one(*entries[i]);
        }
        return list + (entries.size() > k_examples ? ", ..." : "");
    };
    if (!unknown.empty()) {
        text = std::to_string(unknown.size()) + " of its " + std::to_string(applied) +
               " applied versions are not in the folder (" + examples(unknown, [&](const StatusEntry& e) {
                   return status.display(e) + " " + util::printable(e.row->name);
               }) + ")";
    }
    if (!renamed.empty()) {
        text += std::string(text.empty() ? "" : "; ") + std::to_string(renamed.size()) +
                " have other names in the folder (" + examples(renamed, [&](const StatusEntry& e) {
                    return status.display(e) + " is '" + util::printable(e.row->name) + "' in the database, '" +
                           util::printable(e.migration->name) + "' in the folder";
                }) + ")";
    }
    return text;
}

namespace {

// A version a baseline replaced (not the baseline itself): its file is in squashed/, so no
// journal of it is resumed here.
bool replaced_by_baseline(const StatusEntry& e) {
    return e.baseline && e.baseline != e.migration;
}

}  // namespace

std::optional<Direction> resumable(const StatusEntry& e) {
    if (e.state != EntryState::running || !e.migration || e.migration->stored || !e.row->statements_done ||
        replaced_by_baseline(e)) {
        return std::nullopt;
    }
    return e.row->state == k_state_reverting ? Direction::down : Direction::up;
}

bool resumable_after_repair(const StatusEntry& e) {
    return e.state == EntryState::failed && e.migration && !e.migration->stored && !replaced_by_baseline(e) &&
           e.row->statements_done && e.migration->checksum && *e.migration->checksum == e.row->journal_checksum;
}

namespace {

// The versions of a baseline's range that the old files applied, as "001, 002 and 003" (at most a few).
std::string squashed_versions(const Status& status, const Migration* baseline, std::size_t* count) {
    constexpr std::size_t k_shown = 5;
    std::vector<std::string> shown;
    *count = 0;
    for (const auto& e : status.entries) {
        if (e.baseline == baseline && e.state == EntryState::squashed && ++*count <= k_shown) {
            shown.push_back(status.display(e));
        }
    }
    std::string text;
    for (std::size_t i = 0; i < shown.size(); ++i) {
        text += (i == 0 ? "" : i + 1 == shown.size() && *count <= k_shown ? " and " : ", ") + shown[i];
    }
    return *count > k_shown ? text + ", ..." : text;
}

// Where the replaced files are, and the command that runs them ("up 003").
std::string where_squashed(const Status& status, const std::string& command) {
    if (status.squashed_folder.empty()) {
        return "they are in the folder's " + std::string(k_squashed_folder) + "/ subfolder";
    }
    return "they are in " + util::printable(status.squashed_folder) + " ('sqlmig --dir " +
           util::printable(status.squashed_folder) + " " + command + "')";
}

// A database part-way through a squashed range: the baseline would run over what the old files made.
std::optional<std::string> part_way(const Status& status, const StatusEntry& e) {
    if (e.state != EntryState::pending || !e.baseline || e.baseline != e.migration) {
        return std::nullopt;
    }
    std::size_t count = 0;
    const std::string versions = squashed_versions(status, e.migration, &count);
    if (count == 0) {
        return std::nullopt;
    }
    const std::string& last = e.migration->version.text();
    return "this database applied " + versions + " of the migrations that " + util::printable(e.migration->up_file) +
           " squashes (" + e.migration->squashes_from->text() + ".." + last + ") but not " + last +
           "; migrate it past " + last + " with the old files first: " + where_squashed(status, "up " + last) +
           ", then run this command again";
}

}  // namespace

std::vector<std::string> find_drift(const Status& status, StoredDowns stored, Resuming resuming) {
    std::vector<std::string> problems;
    const Version* previous = nullptr;  // the entry before, for the down that reverts a stored migration
    for (const auto& e : status.entries) {
        const Version* before = previous;
        previous = &e.version;
        const bool gone = !e.migration || e.migration->stored;
        const std::string label = !gone ? util::printable(e.migration->up_file)
                                        : "version " + status.display(e) + " (" + util::printable(e.name) + ")";
        if (e.state == EntryState::missing && e.migration && e.migration->stored) {
            if (stored == StoredDowns::drift) {
                problems.push_back(label + " is applied but its files are gone (another branch?); the SQL it ran "
                                   "is stored: revert it with 'sqlmig down " +
                                   (before ? status.display(*before) : std::string("base")) +
                                   "', which runs its stored down, then run up");
            }
            continue;
        }
        if (auto problem = part_way(status, e)) {
            problems.push_back(std::move(*problem));
            continue;
        }
        switch (e.state) {
        case EntryState::modified:
            problems.push_back(label + " was edited after it was applied (recorded " + e.row->checksum + ", file " +
                               *e.migration->checksum + "); restore the file, or accept the edit with 'sqlmig repair'");
            break;
        case EntryState::missing:
            problems.push_back(label + " is applied but its file is missing; restore the file from version control");
            break;
        case EntryState::failed:
            if (resumable_after_repair(e)) {
                problems.push_back(label + " stopped at its statement " + std::to_string(*e.row->statements_done + 1) +
                                   " after the " + std::to_string(*e.row->statements_done) +
                                   " before it committed: " + e.row->failure +
                                   "; fix the cause (undo that statement if it took effect), then run 'sqlmig "
                                   "repair', and 'sqlmig up' runs the migration from that statement");
                break;
            }
            problems.push_back(label + " failed partway and may be half applied: " + e.row->failure +
                               "; fix the database by hand, then run 'sqlmig repair'");
            break;
        case EntryState::running:
            if (const auto direction = resumable(e)) {
                const bool up = *direction == Direction::up;
                if (resuming != Resuming::both && resuming != (up ? Resuming::ups : Resuming::downs)) {
                    problems.push_back(label + " was " + (up ? "being applied" : "being reverted") +
                                       " when its run ended, after " + std::to_string(*e.row->statements_done) +
                                       " statement(s); run 'sqlmig " + (up ? "up" : "down") + "' to finish it first");
                }
                break;
            }
            if (e.row->state == k_state_reverting) {
                problems.push_back(label + " was being reverted when its run ended (killed, or the connection was "
                                   "lost) and may be half reverted; check the database, then run 'sqlmig repair', "
                                   "which records it applied again so that 'sqlmig down' runs its down again");
                break;
            }
            problems.push_back(label + " was running when its run ended (killed, or the connection was lost) " +
                               "and may be half applied" + (e.row->failure.empty() ? "" : ": " + e.row->failure) +
                               "; check the database, finish or undo the migration by hand, then run 'sqlmig repair'");
            break;
        default: break;
        }
    }
    return problems;
}

namespace {

[[noreturn]] void invalid_target(const std::string& target, const char* command) {
    throw UsageError("invalid " + std::string(command) + " target '" + util::printable(target) +
                     "'; expected a version" +
                     (std::string(command) == "up" ? ", 'head' or '+N'" : std::string(command) == "down" ? ", '-N' or 'base'" : ", 'head' or 'base'"));
}

// A version as the user writes it: digits, Flyway's 1.2, or sql-migrate's file name
// (or its number, when one file has it). It must be one the folder or the tracking table knows.
Version resolve_target(const Status& status, const std::string& target, const char* command) {
    std::optional<Version> v = Version::parse(target);
    if (!v) {
        v = Version::parse_dotted(target);
    }
    for (const auto& e : status.entries) {
        if ((v && e.version == *v) || e.version.text() == target || e.version.canonical() == target) {
            return e.version;
        }
    }
    if (v) {
        const Version* only = nullptr;
        for (const auto& e : status.entries) {
            if (e.version.same_number(*v)) {
                if (only) {
                    throw UsageError("several migrations have number " + target + "; name the file, as 'sqlmig status' lists it");
                }
                only = &e.version;
            }
        }
        if (only) {
            return *only;
        }
        throw UsageError("no migration has version " + target + "; 'sqlmig status' lists them");
    }
    invalid_target(target, command);
}

std::size_t parse_count(const std::string& digits, const std::string& target) {
    auto v = Version::parse(digits);
    if (!v || v->canonical() == "0" || v->canonical().size() > 9) {
        throw UsageError("invalid target '" + util::printable(target) + "'; the count must be a number from 1");
    }
    return std::stoul(v->canonical());
}

}  // namespace

std::vector<Step> plan_up(const Status& status, const std::string& target, bool allow_out_of_order) {
    std::size_t limit = static_cast<std::size_t>(-1);
    std::optional<Version> upto;
    if (target.empty() || target == "head") {
    } else if (target[0] == '+') {
        limit = parse_count(target.substr(1), target);
    } else {
        upto = resolve_target(status, target, "up");
    }
    std::vector<std::string> out_of_order;
    std::vector<Step> steps;
    for (const auto& e : status.entries) {
        if (upto && *upto < e.version) {
            continue;
        }
        if (resumable(e) == Direction::up && steps.size() < limit) {
            steps.push_back({Direction::up, e.migration, e.row});
            continue;
        }
        if (e.state != EntryState::pending) {
            continue;
        }
        if (e.out_of_order) {
            out_of_order.push_back(util::printable(e.migration->up_file));
        }
        if (steps.size() < limit) {
            steps.push_back({Direction::up, e.migration});
        }
    }
    if (!out_of_order.empty() && !allow_out_of_order) {
        std::string list;
        for (const auto& f : out_of_order) {
            list += (list.empty() ? "" : ", ") + f;
        }
        throw RefusedError("pending migrations are older than the newest applied version " +
                           status.display(*status.current) + ": " + list +
                           "; renumber them above it, or run with --allow-out-of-order");
    }
    return steps;
}

namespace {

// A baseline reverts only a database it made: where the old files applied its range, its
// down would leave their rows behind, and their own downs are in squashed/.
void refuse_down_across_baseline(const Status& status, const StatusEntry& e) {
    std::size_t count = 0;
    if (e.state == EntryState::squashed ||
        (e.baseline && e.baseline == e.migration && (squashed_versions(status, e.baseline, &count), count > 0))) {
        throw RefusedError("cannot revert " + status.display(e) + " (" + util::printable(e.name) +
                           "): this database applied it with the files that " +
                           util::printable(e.baseline->up_file) + " squashes; revert it with those files: " +
                           where_squashed(status, "down ...") + "; nothing was reverted");
    }
    if (e.baseline == e.migration && e.migration && !e.migration->down_file) {
        throw RefusedError("cannot revert " + util::printable(e.migration->up_file) + ": it is a baseline (squashes " +
                           e.migration->squashes_from->text() + ".." + e.migration->version.text() +
                           ") without a down, so it is irreversible; nothing was reverted");
    }
}

}  // namespace

std::vector<Step> plan_down(const Status& status, const std::string& target) {
    std::size_t limit = 1;
    std::optional<Version> above;
    if (target.empty()) {
    } else if (target == "base") {
        limit = static_cast<std::size_t>(-1);
    } else if (target[0] == '-') {
        limit = parse_count(target.substr(1), target);
    } else {
        above = resolve_target(status, target, "down");
        limit = static_cast<std::size_t>(-1);
    }
    std::vector<Step> steps;
    for (auto it = status.entries.rbegin(); it != status.entries.rend() && steps.size() < limit; ++it) {
        if (!it->row || (above && !(*above < it->version)) || it->version.is_repeatable()) {
            continue;  // a repeatable migration is never reverted, as in Flyway
        }
        refuse_down_across_baseline(status, *it);
        if (!it->migration) {
            throw RefusedError("cannot revert version " + it->version.canonical() + " (" + util::printable(it->name) +
                               "): its files are missing; restore them from version control");
        }
        if (!it->migration->down_file) {
            throw RefusedError("cannot revert " + util::printable(it->migration->up_file) + ": it has no " +
                               (it->migration->format == Format::flyway ? "U (undo) file" : ".down.sql file") +
                               ", so it is irreversible; nothing was reverted");
        }
        const bool finishes = resumable(*it) == Direction::down;
        steps.push_back({Direction::down, it->migration, finishes ? it->row : nullptr});
    }
    return steps;
}

std::vector<Step> plan_redo(const Status& status) {
    for (auto it = status.entries.rbegin(); it != status.entries.rend(); ++it) {
        if (!it->row || it->version.is_repeatable()) {
            continue;
        }
        if (resumable(*it) == Direction::up) {
            return {{Direction::up, it->migration, it->row}};
        }
        break;
    }
    auto steps = plan_down(status, "");
    if (!steps.empty()) {
        steps.push_back({Direction::up, steps.front().migration});
    }
    return steps;
}

StampPlan plan_stamp(const Status& status, const std::string& target) {
    std::optional<Version> upto;
    if (target == "base") {
        upto = Version::parse("0");
    } else if (target != "head") {
        upto = resolve_target(status, target, "stamp");
    }
    StampPlan plan;
    for (const auto& e : status.entries) {
        const bool wanted = !upto || !(*upto < e.version);
        if (wanted && !e.row && e.migration) {
            plan.record.push_back(e.migration);
        }
    }
    for (auto it = status.entries.rbegin(); it != status.entries.rend(); ++it) {
        if (it->row && upto && *upto < it->version) {
            plan.remove.push_back(it->row);
        }
    }
    return plan;
}

util::Json current_json(const Status& status) {
    return status.current ? util::Json(status.as_written(*status.current)) : util::Json(nullptr);
}

std::string current_text(const Status& status) {
    return status.current ? status.display(*status.current) : "none";
}

}  // namespace sqlmig::core
