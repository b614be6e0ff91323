// The file-name grammars and discovery: one folder listing per input, a name a line,
// the first byte picking the format. Properties: discovery never throws; migrations come
// in strictly increasing version order; every up and down file is a name of the
// listing, parsed as discovery says.
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>
#include <vector>

#include "core/discovery.hpp"

using namespace sqlmig::core;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) {
        return 0;
    }
    constexpr Format formats[] = {Format::sqlmig, Format::dbmate, Format::goose, Format::sql_migrate, Format::flyway};
    const Format format = formats[data[0] % 5];
    const std::string input(reinterpret_cast<const char*>(data) + 1, size - 1);
    std::vector<std::string> names;
    std::size_t start = 0;
    while (start <= input.size()) {
        const std::size_t end = std::min(input.find('\n', start), input.size());
        names.push_back(input.substr(start, end - start));
        start = end + 1;
    }
    const std::set<std::string> listed(names.begin(), names.end());
    const Catalog catalog = discover(names, {"*.seed.sql"}, format);
    for (std::size_t i = 0; i < catalog.migrations.size(); ++i) {
        const Migration& m = catalog.migrations[i];
        if (i > 0 && !(catalog.migrations[i - 1].version < m.version)) {
            std::abort();  // out of order, or one version twice
        }
        std::string why;
        const auto up = parse_name(format, m.up_file, &why);
        if (!listed.count(m.up_file) || !up || up->role == FileRole::down || !(up->version == m.version)) {
            std::abort();
        }
        if (m.down_file && up->role == FileRole::both && *m.down_file != m.up_file) {
            std::abort();  // one file holds both
        }
        if (m.down_file && up->role != FileRole::both) {
            const auto down = parse_name(format, *m.down_file, &why);
            if (!listed.count(*m.down_file) || !down || down->role != FileRole::down || !(down->version == m.version)) {
                std::abort();
            }
        }
        if (!is_migration_candidate(m.up_file, {}, format)) {
            std::abort();
        }
    }
    return 0;
}
