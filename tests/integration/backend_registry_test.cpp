// The registry of backends: which backend takes which URL, and what each declares.
#include <gtest/gtest.h>

#include <set>

#include "config/config.hpp"
#include "db/backend.hpp"
#include "db/dialects.hpp"
#include "db/mariadb/url.hpp"
#include "db/postgres/dialect.hpp"
#include "db/settings.hpp"
#include "util/error.hpp"
#include "db/mariadb/dialect.hpp"

using sqlmig::db::mariadb_dialect;

using sqlmig::db::backend_for;
using sqlmig::db::backends;
using sqlmig::db::parse_database_url;

TEST(DatabaseUrl, ResolvesSqlitePathsAgainstTheConfigFolder) {
    EXPECT_EQ(parse_database_url("sqlite:///data/app.db", "/srv/app").file, "/srv/app/data/app.db");
    EXPECT_EQ(parse_database_url("sqlite:////var/lib/app.db", "/srv/app").file, "/var/lib/app.db");
    EXPECT_EQ(parse_database_url("sqlite://:memory:", "/x").file, ":memory:");
    EXPECT_EQ(parse_database_url("postgres://u@h/db", "/x").backend, "postgres");
    EXPECT_EQ(parse_database_url("host=localhost dbname=app", "/x").backend, "postgres");
    // dbmate's forms: relative without slashes, absolute with one.
    EXPECT_EQ(parse_database_url("sqlite:db/dev.sqlite3", "/srv/app").file, "/srv/app/db/dev.sqlite3");
    EXPECT_EQ(parse_database_url("sqlite:/var/lib/app.sqlite3", "/srv/app").file, "/var/lib/app.sqlite3");
    for (const char* bad : {"", "oracle://u@h/db", "sqlite:", "sqlite:/", "sqlite:///", "app.db"}) {
        EXPECT_THROW(parse_database_url(bad, "/x"), sqlmig::ConfigError) << bad;
    }
}

TEST(Backends, EachHasANameADialectAndItsOwnUrls) {
    std::set<std::string_view> names;
    for (const auto* b : backends()) {
        EXPECT_TRUE(names.insert(b->name()).second) << "two backends named " << b->name();
        EXPECT_FALSE(b->url_forms().empty());
        EXPECT_EQ(sqlmig::db::dialect_from_name(b->name()), b->dialect());
        EXPECT_EQ(&backend_for(std::string(b->name()) + "://x"), b) << b->name() << ":// must be its own";
    }
    EXPECT_EQ(backend_for("postgresql://u@h/db").name(), "postgres");
    EXPECT_EQ(backend_for("SQLITE:///a.db").name(), "sqlite");
}

// A definition's fields are designated initializers: one left out is only a warning
// (-Wmissing-field-initializers), and then a null function or an empty string that the core would
// call or send.
TEST(Backends, EachBackendsDialectDefinesEveryPart) {
    for (const auto* b : backends()) {
        const sqlmig::core::DialectDefinition& d = b->dialect().definition();
        EXPECT_FALSE(d.name.empty()) << b->name();
        EXPECT_NE(d.statements.classify, nullptr) << b->name();
        EXPECT_NE(d.statements.is_session_setting, nullptr) << b->name();
        EXPECT_NE(d.tracking.key_type, nullptr) << b->name();
        EXPECT_NE(d.tracking.text_type, nullptr) << b->name();
        EXPECT_NE(d.tracking.table_options, nullptr) << b->name();
        EXPECT_NE(d.tracking.schema_object, nullptr) << b->name();
        EXPECT_NE(d.tracking.upsert_head, nullptr) << b->name();
        EXPECT_NE(d.tracking.sql_type, nullptr) << b->name();
        EXPECT_NE(d.tracking.quote, '\0') << b->name();
        EXPECT_NE(d.catalog.object_exists_sql, nullptr) << b->name();
        EXPECT_NE(d.snapshot_object, nullptr) << b->name();
        EXPECT_FALSE(d.row_queries_sql.empty()) << b->name();
    }
}

// A driver module (sqlmig-postgres.so) links its own copy of its database's definition: the
// dialect its driver reports must still equal the one its backend reports.
TEST(Backends, ADialectEqualsAnotherCopyOfItsDefinition) {
    for (const auto* b : backends()) {
        const sqlmig::core::DialectDefinition copy = b->dialect().definition();
        EXPECT_EQ(sqlmig::core::Dialect(copy), b->dialect()) << b->name();
    }
    const sqlmig::core::DialectDefinition copy = mariadb_dialect.definition();
    EXPECT_NE(sqlmig::core::Dialect(copy), sqlmig::db::postgres_dialect);
}

TEST(Backends, AnUnknownUrlNamesEveryAcceptedForm) {
    try {
        backend_for("oracle://scott:tiger@db/x");
        FAIL() << "accepted";
    } catch (const sqlmig::ConfigError& e) {
        const std::string message = e.what();
        EXPECT_EQ(message.find("tiger"), std::string::npos) << message;
        for (const auto* b : backends()) {
            EXPECT_NE(message.find(std::string(b->url_forms())), std::string::npos) << message;
        }
    }
}

TEST(Backends, TheConfigReadsEachBackendsSection) {
    const auto no_env = [](const std::string&) { return std::optional<std::string>(); };
    for (const auto* b : backends()) {
        const std::string text = "[" + std::string(b->config_section()) + "]\n";
        EXPECT_NO_THROW(sqlmig::config::parse_config(text, "/srv/config.toml", "", no_env)) << text;
    }
}

// A database is registered once (SQLMIG_DATABASES in CMakeLists.txt), which lists its backend
// (db/backends.cpp) and its config settings (db/settings.cpp, pure, for the config parser): each
// must have the other.
TEST(Backends, EachBackendHasItsConfigSettingsAndEachSettingsItsBackend) {
    std::set<std::string> sections;
    for (const auto* b : backends()) {
        EXPECT_NE(sqlmig::db::settings_of_section(b->config_section()), nullptr) << b->name();
        sections.insert(std::string(b->config_section()));
    }
    for (const auto* s : sqlmig::db::database_settings()) {
        EXPECT_TRUE(sections.count(std::string(s->section))) << s->section;
    }
}

// The server session keys are read for every section that takes them, from that section only.
TEST(Backends, SessionKeysAreReadPerServerSection) {
    const auto no_env = [](const std::string&) { return std::optional<std::string>(); };
    for (const auto* s : sqlmig::db::database_settings()) {
        if (s->session_keys != sqlmig::db::SessionKeys::taken) {
            continue;
        }
        const std::string section(s->section);
        const auto c = sqlmig::config::parse_config("[" + section + "]\nlock_timeout = \"2s\"\n"
                                                    "lock_wait_budget = \"7s\"\n",
                                                    "/srv/config.toml", "", no_env);
        EXPECT_EQ(c.session_limits(section).lock_timeout, std::chrono::milliseconds(2000)) << section;
        EXPECT_EQ(c.lock_retries(section).budget, std::chrono::milliseconds(7000)) << section;
        for (const auto* other : sqlmig::db::database_settings()) {
            if (other != s) {
                EXPECT_FALSE(c.session_limits(other->section).lock_timeout) << section << " -> " << other->section;
            }
        }
    }
}

TEST(MariadbUrl, ReadsEveryPartAndOption) {
    const auto u = sqlmig::db::parse_mariadb_url(
        "mysql://app:p%40ss%3Aw@db.internal:3307/shop?ssl-mode=VERIFY_CA&ssl-ca=/etc/ca.pem&connect_timeout=7");
    EXPECT_EQ(u.user, "app");
    EXPECT_EQ(u.password.value_or(""), "p@ss:w");
    EXPECT_EQ(u.host, "db.internal");
    EXPECT_EQ(u.port, 3307u);
    EXPECT_EQ(u.database, "shop");
    EXPECT_EQ(u.ssl_mode, sqlmig::db::SslMode::verify_ca);
    EXPECT_EQ(u.ssl_ca, "/etc/ca.pem");
    EXPECT_EQ(u.connect_timeout_s.value_or(0), 7);
    const auto sock = sqlmig::db::parse_mariadb_url("mariadb://root@/app?socket=/run/mysqld/mysqld.sock&tls=false");
    EXPECT_EQ(sock.host, "");
    EXPECT_EQ(sock.socket, "/run/mysqld/mysqld.sock");
    EXPECT_FALSE(sock.password);
    EXPECT_EQ(sock.ssl_mode, sqlmig::db::SslMode::disabled);
    EXPECT_EQ(sqlmig::db::parse_mariadb_url("mysql://u@[::1]:3306/d").host, "::1");
    EXPECT_EQ(sqlmig::db::parse_mariadb_url("MySQL://u@h/d").host, "h");
    EXPECT_EQ(sqlmig::db::parse_mariadb_url("mysql://u@/d").host, "localhost");
}

TEST(MariadbUrl, RefusesBadPartsWithoutPrintingThePassword) {
    for (const char* bad : {"mysql://u:hunter2@h:0/d", "mysql://u:hunter2@h:70000/d", "mysql://u:hunter2@h:x/d",
                            "mysql://u:hunter2@h", "mysql://u:hunter2@h/", "mysql://u:hunter2@h/d?sslmode=sometimes",
                            "mysql://u:hunter2@h/d?charset=latin1", "mysql://u:hunter2@h/d?connect_timeout=-1",
                            "mysql://u:hunter2@h/a/b", "mysql://u:hunter2@[::1/d", "mysql://u:hunter2@h/d%zz",
                            "mysql://u:hunter2@h/d%00"}) {
        try {
            (void)parse_database_url(bad, "/");
            ADD_FAILURE() << "accepted " << bad;
        } catch (const sqlmig::ConfigError& e) {
            const std::string message = e.what();
            EXPECT_EQ(message.find("hunter2"), std::string::npos) << message;
            EXPECT_NE(message.find("mysql://u:***@"), std::string::npos) << message;
        }
    }
}

TEST(MariadbUrl, BothSchemesBelongToTheMariadbBackend) {
    EXPECT_EQ(backend_for("mysql://u@h/d").name(), "mariadb");
    EXPECT_EQ(backend_for("mariadb://u@h/d").name(), "mariadb");
    EXPECT_EQ(backend_for("mariadb://u@h/d").dialect(), mariadb_dialect);
    EXPECT_EQ(parse_database_url("mariadb://u:secret@h/d", "/").redacted(), "mariadb://u:***@h/d");
}
