#pragma once
// The difference between two schema snapshots (db::Driver::schema_snapshot(): sorted
// lines, one object or column a line), as `verify`, `drift` and `squash` print it, and a
// snapshot's fingerprint (db::Driver::schema_fingerprint()). Pure.

#include <string>
#include <vector>

namespace sqlmig::core {

// Lines only in `minus` ("- line") and only in `plus` ("+ line"), in sorted order; both
// inputs must be sorted. Empty when the snapshots are equal.
//  - verify: minus = after the up and its down (what the down left), plus = before the up
//    (what the down lost);
//  - drift: minus = the replay of the applied migrations (expected), plus = the live database;
//  - squash: minus = the database the baseline made, plus = the replay of the squashed migrations.
std::vector<std::string> schema_diff(const std::vector<std::string>& plus, const std::vector<std::string>& minus);

// "sha256:<hex>" of the lines in their order, each one's length before it, so that two lists
// have the same fingerprint only when they have the same lines (up to SHA-256 collisions).
std::string lines_fingerprint(const std::vector<std::string>& lines);

// A snapshot of one schema made comparable with the same objects in a schema of another name
// (the tenants of a schema-per-tenant fleet, and the scratch schema their replay ran in): the
// schema's own "schema NAME" line is left out, and "NAME." is removed wherever it qualifies a
// name (not inside a longer identifier); the result is sorted again. NAME is a plain identifier.
std::vector<std::string> unqualified_lines(std::vector<std::string> lines, const std::string& schema);

}  // namespace sqlmig::core
