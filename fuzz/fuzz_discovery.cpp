// The file-name grammar and discovery: one folder listing per input, a name a line.
// Properties: discovery never throws; migrations come in strictly increasing version
// order; every up and down file is a name of the listing, parsed as discovery says.
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>
#include <vector>

#include "core/discovery.hpp"

using namespace sqlmig::core;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string input(reinterpret_cast<const char*>(data), size);
    std::vector<std::string> names;
    std::size_t start = 0;
    while (start <= input.size()) {
        const std::size_t end = std::min(input.find('\n', start), input.size());
        names.push_back(input.substr(start, end - start));
        start = end + 1;
    }
    const std::set<std::string> listed(names.begin(), names.end());
    const Catalog catalog = discover(names, {"*.seed.sql"});
    for (std::size_t i = 0; i < catalog.migrations.size(); ++i) {
        const Migration& m = catalog.migrations[i];
        if (i > 0 && !(catalog.migrations[i - 1].version < m.version)) {
            std::abort();  // out of order, or one version twice
        }
        std::string why;
        const auto up = parse_file_name(m.up_file, &why);
        if (!listed.count(m.up_file) || !up || up->direction != Direction::up || !(up->version == m.version)) {
            std::abort();
        }
        if (m.down_file) {
            const auto down = parse_file_name(*m.down_file, &why);
            if (!listed.count(*m.down_file) || !down || down->direction != Direction::down ||
                !(down->version == m.version)) {
                std::abort();
            }
        }
        if (!is_migration_candidate(m.up_file, {})) {
            std::abort();
        }
    }
    return 0;
}
