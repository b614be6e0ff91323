#pragma once
// The difference between two schema snapshots (db::Driver::schema_snapshot(): sorted
// lines, one object or column a line), for verify and squash. Pure.

#include <string>
#include <vector>

namespace sqlmig::core {

// Lines only in `after` ("- line") or only in `before` ("+ line"), in sorted order;
// empty when the two are equal. Both must be sorted, as snapshots are.
std::vector<std::string> schema_diff(const std::vector<std::string>& before, const std::vector<std::string>& after);

}  // namespace sqlmig::core
