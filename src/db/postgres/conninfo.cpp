#include "db/postgres/conninfo.hpp"

#include <libpq-fe.h>

#include <memory>

#include "util/error.hpp"
#include "util/text.hpp"

namespace sqlmig::db {

namespace {

struct ConninfoFree {
    void operator()(PQconninfoOption* o) const { PQconninfoFree(o); }
};
struct PqFree {
    void operator()(char* p) const { PQfreemem(p); }
};

// A conninfo value in single quotes, with \ and ' escaped as libpq expects.
std::string quoted(const std::string& value) {
    std::string out = "'";
    for (const char c : value) {
        if (c == '\\' || c == '\'') {
            out += '\\';
        }
        out += c;
    }
    return out + "'";
}

}  // namespace

ChildConnection postgres_child_connection(const std::string& url, const std::string& application_name) {
    char* raw_error = nullptr;
    std::unique_ptr<PQconninfoOption, ConninfoFree> options(PQconninfoParse(url.c_str(), &raw_error));
    std::unique_ptr<char, PqFree> error(raw_error);
    if (!options) {
        throw ConfigError("cannot parse the database URL " + util::redact_url(url) + ": " +
                          std::string(util::trim(error ? error.get() : "out of memory")));
    }
    ChildConnection child;
    for (const PQconninfoOption* o = options.get(); o->keyword; ++o) {
        if (!o->val || !*o->val) {
            continue;
        }
        const std::string key = o->keyword;
        if (key == "password") {
            child.env.emplace_back("PGPASSWORD", o->val);
        } else if (key == "sslpassword") {
            throw ConfigError("the database URL sets sslpassword, which cannot be passed to pg_dump/pg_restore/psql "
                              "without showing it on their command line; use an unencrypted key file or no backup");
        } else if (key != "application_name") {
            child.conninfo += (child.conninfo.empty() ? "" : " ") + key + "=" + quoted(o->val);
        }
    }
    child.conninfo += (child.conninfo.empty() ? "" : " ") + std::string("application_name=") + quoted(application_name);
    return child;
}

}  // namespace sqlmig::db
