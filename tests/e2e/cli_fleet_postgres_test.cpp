// sqlmig fleet on PostgreSQL: databases and tenant schemas on the server scripts/test starts.
// The bound on connections is checked by counting the server's sessions while the fleet runs.

#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <set>
#include <thread>

#include "e2e/cli_test_support.hpp"
#include "e2e/fleet_json.hpp"
#include "support/pg_database.hpp"

namespace fs = std::filesystem;
using sqlmig::test::PgDatabase;
using sqlmig::test::Project;
using sqlmig::test::json_of;
using sqlmig::test::Result;
using sqlmig::test::results_of;

namespace {

// The largest number of sessions sqlmig (and the backup tools it runs) held at once on the
// given databases, sampled every few milliseconds while `during` runs. A session counts at a
// sample only if it is still there `k_held` later: a backend whose client has just closed the
// connection stays in pg_stat_activity until it has exited, which under load can overlap the
// next target's new session for a moment although sqlmig never held both. Every target here
// holds its session for longer (its migration sleeps 150 ms), so a real excess still shows.
int peak_sessions(const std::vector<std::string>& databases, const std::function<void()>& during) {
    using Clock = std::chrono::steady_clock;
    constexpr auto k_held = std::chrono::milliseconds(40);
    std::unique_ptr<PGconn, decltype(&PQfinish)> conn(PQconnectdb(sqlmig::test::pg_server_url().c_str()), &PQfinish);
    EXPECT_EQ(PQstatus(conn.get()), CONNECTION_OK);
    std::string list;
    for (const auto& d : databases) {
        list += (list.empty() ? "'" : ", '") + d + "'";
    }
    const std::string sql = "SELECT pid FROM pg_stat_activity WHERE datname IN (" + list + ")";
    struct Sample {
        Clock::time_point at;
        std::set<int> pids;
    };
    std::vector<Sample> samples;
    std::atomic<bool> done{false};
    std::thread sampler([&] {
        while (!done) {
            std::unique_ptr<PGresult, decltype(&PQclear)> r(PQexec(conn.get(), sql.c_str()), &PQclear);
            if (PQresultStatus(r.get()) == PGRES_TUPLES_OK) {
                Sample sample{Clock::now(), {}};
                for (int row = 0; row < PQntuples(r.get()); ++row) {
                    sample.pids.insert(std::atoi(PQgetvalue(r.get(), row, 0)));
                }
                samples.push_back(std::move(sample));
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
    });
    during();
    done = true;
    sampler.join();
    int peak = 0;
    for (std::size_t i = 0; i < samples.size(); ++i) {
        std::size_t later = i;
        while (later < samples.size() && samples[later].at - samples[i].at < k_held) {
            ++later;
        }
        if (later == samples.size()) {
            break;
        }
        const auto& held = samples[later].pids;
        peak = std::max(peak, static_cast<int>(std::count_if(samples[i].pids.begin(), samples[i].pids.end(),
                                                             [&](int pid) { return held.count(pid) > 0; })));
    }
    return peak;
}

// N fresh databases listed in [fleet] targets, each migration sleeping a little so that
// targets overlap.
struct DatabaseFleet {
    std::vector<std::unique_ptr<PgDatabase>> dbs;
    Project project;
    DatabaseFleet(int n, const std::string& extra) {
        std::string list;
        for (int i = 0; i < n; ++i) {
            dbs.push_back(std::make_unique<PgDatabase>());
            list += "  { name = \"db" + std::to_string(i) + "\", url = \"" + dbs.back()->url() + "\" },\n";
        }
        project.write_file("config.toml", "[fleet]\ntargets = [\n" + list + "]\n" + extra);
        project.migration("001_users.up.sql", "SELECT pg_sleep(0.15);\nCREATE TABLE users (id int PRIMARY KEY);\n");
        project.migration("001_users.down.sql", "DROP TABLE users;\n");
        project.migration("002_email.up.sql", "ALTER TABLE users ADD COLUMN email text;\n");
        project.migration("002_email.down.sql", "ALTER TABLE users DROP COLUMN email;\n");
    }
    std::vector<std::string> names() const {
        std::vector<std::string> out;
        for (const auto& d : dbs) {
            out.push_back(d->name());
        }
        return out;
    }
};

}  // namespace

TEST(FleetPostgres, NeverMoreSessionsThanParallel) {
    DatabaseFleet f(9, "[backup]\nenabled = false\n");
    Result r;
    const int peak = peak_sessions(f.names(), [&] { r = f.project.run({"fleet", "up", "--parallel", "3"}); });
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_CONTAINS(r.out, "9 targets: 9 migrated");
    EXPECT_LE(peak, 3);
    EXPECT_GE(peak, 2) << "the targets ran in parallel";
    for (const auto& d : f.dbs) {
        EXPECT_EQ(d->query("SELECT string_agg(version, ',' ORDER BY version) FROM sqlmig_migrations"), "1,2");
    }
}

TEST(FleetPostgres, WithBackupsTheBoundCountsPgDumpsSessionsToo) {
    DatabaseFleet f(6, "");
    Result r;
    const int peak = peak_sessions(f.names(), [&] { r = f.project.run({"fleet", "up", "--parallel", "4"}); });
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_CONTAINS(r.err, "6 targets, 2 at a time (--parallel 4 connections");
    EXPECT_LE(peak, 4);
    for (int i = 0; i < 6; ++i) {
        EXPECT_EQ(sqlmig::test::backup_files_in(f.project.dir() / "backups" / ("db" + std::to_string(i))).size(), 1u)
            << i;
    }
}

TEST(FleetPostgres, UnreachableAndLockedTargetsDoNotStopTheOthers) {
    DatabaseFleet f(3, "[backup]\nenabled = false\n[hooks]\nbefore_migrate = 'test -z \"$HOLD\" || sleep 4'\n");
    std::string config = sqlmig::test::read_text(f.project.dir() / "config.toml");
    config.replace(config.find("]\n["), 1, "  { name = \"gone\", url = \"postgres://app:hunter2@127.0.0.1:1/nothing\" },\n]");
    f.project.write_file("config.toml", config);
    const std::string holder = "cd " + sqlmig::test::shell_quote(f.project.dir().string()) + " && (HOLD=1 " +
                               sqlmig::test::shell_quote(SQLMIG_BINARY) + " --database " +
                               sqlmig::test::shell_quote(f.dbs[1]->url()) + " up >hold.out 2>hold.err; echo $? >hold.rc) &";
    ASSERT_EQ(std::system(holder.c_str()), 0);
    for (int i = 0; i < 300 && sqlmig::test::read_text(f.project.dir() / "hold.err").find("running before_migrate") ==
                                   std::string::npos; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    const Result r = f.project.run({"fleet", "up", "--json"});
    EXPECT_EQ(r.code, 1) << "unreachable (1) is worse than locked (4)";
    const auto doc = json_of(r);
    const auto results = results_of(doc);
    EXPECT_EQ(results.at("db0"), "migrated");
    EXPECT_EQ(results.at("db1"), "locked");
    EXPECT_EQ(results.at("db2"), "migrated");
    EXPECT_EQ(results.at("gone"), "unreachable");
    EXPECT_NOT_CONTAINS(r.out + r.err, "hunter2");
    EXPECT_CONTAINS(r.out, "postgres://app:");
    for (int i = 0; i < 400 && !fs::exists(f.project.dir() / "hold.rc"); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    EXPECT_EQ(sqlmig::test::read_text(f.project.dir() / "hold.rc"), "0\n");
}

namespace {

// One database with tenant schemas, and a schema that is not a tenant.
struct SchemaFleet {
    PgDatabase db;
    Project project;
    explicit SchemaFleet(int tenants, const std::string& extra = "[backup]\nenabled = false\n") {
        std::string sql = "CREATE SCHEMA billing; CREATE TABLE billing.invoices (id int); ";
        for (int i = 0; i < tenants; ++i) {
            sql += "CREATE SCHEMA tenant_" + std::to_string(i) + "; ";
        }
        db.query(sql);
        project.write_file("config.toml", "[database]\nurl = \"" + db.url() + "\"\n[fleet]\nschemas = \"tenant\\\\_%\"\n" + extra);
        // Unqualified names: each tenant's migration runs in its schema (search_path).
        project.migration("001_users.up.sql", "CREATE TABLE users (id int PRIMARY KEY);\nINSERT INTO users VALUES (1);\n");
        project.migration("001_users.down.sql", "DROP TABLE users;\n");
        project.migration("002_email.up.sql", "ALTER TABLE users ADD COLUMN email text;\n");
        project.migration("002_email.down.sql", "ALTER TABLE users DROP COLUMN email;\n");
    }
    std::string tables(const std::string& schema) const {
        return db.query("SELECT coalesce(string_agg(table_name, ',' ORDER BY table_name), '') FROM "
                        "information_schema.tables WHERE table_schema = '" + schema + "'");
    }
};

}  // namespace

TEST(FleetPostgresSchemas, EachTenantIsMigratedInItsOwnSchemaAndNoOtherIsTouched) {
    SchemaFleet f(4, "");
    // tenant_2 already has a users table: its migration fails, alone.
    f.db.query("CREATE TABLE tenant_2.users (legacy text)");
    const Result r = f.project.run({"fleet", "up", "--keep-going", "--json"});
    EXPECT_EQ(r.code, 1) << r.err;
    const auto results = results_of(json_of(r));
    ASSERT_EQ(results.size(), 4u) << "billing is not a tenant";
    EXPECT_EQ(results.at("tenant_2"), "failed");
    for (const char* t : {"tenant_0", "tenant_1", "tenant_3"}) {
        EXPECT_EQ(results.at(t), "migrated") << t;
        EXPECT_EQ(f.tables(t), "sqlmig_migrations,sqlmig_migrations_layout,users") << t;
        EXPECT_EQ(f.db.query(std::string("SELECT string_agg(version, ',' ORDER BY version) FROM ") + t +
                             ".sqlmig_migrations"), "1,2");
        EXPECT_EQ(f.db.query(std::string("SELECT count(*) FROM ") + t + ".users"), "1");
    }
    EXPECT_EQ(f.tables("tenant_2"), "sqlmig_migrations,sqlmig_migrations_layout,users");
    EXPECT_EQ(f.db.query("SELECT string_agg(column_name, ',') FROM information_schema.columns WHERE "
                         "table_schema = 'tenant_2' AND table_name = 'users'"), "legacy");
    EXPECT_EQ(f.db.query("SELECT count(*) FROM tenant_2.sqlmig_migrations WHERE state = 'applied'"), "0");
    EXPECT_EQ(f.tables("public"), "") << "nothing lands in the default schema";
    EXPECT_EQ(f.tables("billing"), "invoices");

    // Each tenant's backup holds its own schema only.
    const auto backups = sqlmig::test::backup_files_in(f.project.dir() / "backups" / "tenant_1");
    ASSERT_EQ(backups.size(), 1u);
    const std::string listing = [&] {
        const std::string cmd = "pg_restore --list " + sqlmig::test::shell_quote(backups[0].string()) + " 2>&1";
        std::unique_ptr<FILE, decltype(&pclose)> p(popen(cmd.c_str(), "r"), &pclose);
        std::string out;
        char buf[4096];
        while (p && fgets(buf, sizeof buf, p.get())) {
            out += buf;
        }
        return out;
    }();
    EXPECT_CONTAINS(listing, "SCHEMA - tenant_1");
    EXPECT_NOT_CONTAINS(listing, "tenant_0");
    EXPECT_NOT_CONTAINS(listing, "billing");

    const Result status = f.project.run({"fleet", "status"});
    EXPECT_EQ(status.code, 0);
    EXPECT_CONTAINS(status.out, "002 (head)  3");
    EXPECT_CONTAINS(status.out, "none        1");
    const Result down = f.project.run({"fleet", "down", "--only", "tenant_0", "--no-backup"});
    EXPECT_EQ(down.code, 0) << down.err;
    EXPECT_EQ(f.db.query("SELECT string_agg(version, ',') FROM tenant_0.sqlmig_migrations"), "1");
    EXPECT_EQ(f.db.query("SELECT string_agg(version, ',' ORDER BY version) FROM tenant_1.sqlmig_migrations"), "1,2");
}

TEST(FleetPostgresSchemas, BadSchemaSetupsAreErrorsBeforeAnythingRuns) {
    SchemaFleet f(2);
    f.project.write_file("config.toml", "[database]\nurl = \"" + f.db.url() + "\"\n[fleet]\nschemas = \"nobody_%\"\n");
    const Result none = f.project.run({"fleet", "up"});
    EXPECT_EQ(none.code, 2);
    EXPECT_CONTAINS(none.err, "no schema of");
    EXPECT_CONTAINS(none.err, "matches 'nobody_%'");
    f.project.write_file("config.toml", "[database]\nurl = \"" + f.db.url() +
                                            "\"\n[migrations]\ntable = \"ops.history\"\n[fleet]\nschemas = \"tenant_%\"\n");
    EXPECT_CONTAINS(f.project.run({"fleet", "up"}).err, "must not name a schema");
    f.db.query("CREATE SCHEMA \"tenant_odd name\"");
    f.project.write_file("config.toml", "[database]\nurl = \"" + f.db.url() + "\"\n[fleet]\nschemas = \"tenant_%\"\n");
    const Result odd = f.project.run({"fleet", "up"});
    EXPECT_EQ(odd.code, 2);
    EXPECT_CONTAINS(odd.err, "schema 'tenant_odd name' matches 'tenant_%' but is not a plain identifier");
    EXPECT_EQ(f.tables("tenant_0"), "") << "nothing ran";
    f.project.write_file("config.toml", "[database]\nurl = \"sqlite:///x.db\"\n[fleet]\nschemas = \"tenant_%\"\n");
    EXPECT_CONTAINS(f.project.run({"fleet", "status"}).err, "schema-per-tenant fleets need PostgreSQL");
}

// Each tenant schema is compared with the replay of what it applied, made in a schema of its name
// on a scratch database and shared with the tenants at the same state; names compare unqualified
// (pg_get_indexdef, triggers and functions name the schema), and other schemas are not a tenant's.
TEST(FleetPostgresSchemas, DriftComparesEachTenantsSchemaWithOneReplayPerAppliedState) {
    SchemaFleet f(4);
    f.project.migration("003_orders.up.sql",
                        "CREATE TABLE orders (id serial PRIMARY KEY, user_id int REFERENCES users (id));\n"
                        "CREATE INDEX orders_user ON orders (user_id);\nCREATE VIEW user_ids AS SELECT id FROM users;\n"
                        "CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$;\n"
                        "CREATE TRIGGER orders_touch BEFORE INSERT ON orders FOR EACH ROW EXECUTE FUNCTION touch();\n");
    ASSERT_EQ(f.project.run({"fleet", "up", "001", "--only", "tenant_3"}).code, 0);
    ASSERT_EQ(f.project.run({"fleet", "up", "--exclude", "tenant_3"}).code, 0);
    f.db.query("CREATE TABLE billing.audit (id int); CREATE TABLE public.stray (id int)");  // no tenant's
    Result r = f.project.run({"fleet", "drift", "--json"});
    EXPECT_EQ(r.code, 0) << r.out << r.err;
    auto doc = json_of(r);
    EXPECT_EQ(results_of(doc), (std::map<std::string, std::string>{{"tenant_0", "at head"},
                                                                   {"tenant_1", "at head"},
                                                                   {"tenant_2", "at head"},
                                                                   {"tenant_3", "behind"}}));
    EXPECT_EQ(doc["replays"], 2) << "three tenants at 003 share one replay; tenant_3 at 001 has its own";

    f.db.query("CREATE INDEX users_email ON tenant_1.users (email); ALTER TABLE tenant_2.users ALTER COLUMN email "
               "SET DEFAULT 'x'; CREATE INDEX users_id2 ON tenant_2.users (id); CREATE TABLE tenant_3.extra (id int)");
    r = f.project.run({"fleet", "drift", "--json"});
    EXPECT_EQ(r.code, 3) << r.out << r.err;
    doc = json_of(r);
    EXPECT_EQ(results_of(doc), (std::map<std::string, std::string>{{"tenant_0", "at head"},
                                                                   {"tenant_1", "drift"},
                                                                   {"tenant_2", "drift"},
                                                                   {"tenant_3", "drift"}}));
    EXPECT_EQ(doc["targets"][1]["error"], "added index users_email");
    EXPECT_CONTAINS(doc["targets"][2]["error"].get<std::string>(), "changed column users.email");
    EXPECT_CONTAINS(doc["targets"][2]["error"].get<std::string>(), "added index users_id2");
    // The table's ERROR column has room for one; every object of a target follows the table.
    const Result text = f.project.run({"fleet", "drift"});
    EXPECT_EQ(text.code, 3);
    EXPECT_CONTAINS(text.out, "\ntenant_2:\n  ");
    EXPECT_CONTAINS(text.out, "\n  changed column users.email\n");
    EXPECT_CONTAINS(text.out, "\n  added index users_id2\n");
    EXPECT_EQ(doc["targets"][3]["error"], "added table extra");
    EXPECT_EQ(f.tables("public"), "stray") << "the live database is only read";
}

// The small fleet CI runs end to end: 50 databases and 200 schemas, failures in a few.
TEST(FleetPostgresSmallFleet, FiftyDatabasesAndTwoHundredSchemasWithFailuresInjected) {
    DatabaseFleet dbs(50, "[backup]\nenabled = false\n");
    for (const int broken : {7, 23, 41}) {
        dbs.dbs[broken]->query("CREATE TABLE users (legacy text)");
    }
    const Result up = dbs.project.run({"fleet", "up", "--parallel", "8", "--keep-going", "--json"});
    EXPECT_EQ(up.code, 1);
    const auto r = results_of(json_of(up));
    std::size_t migrated = 0;
    for (const auto& [name, result] : r) {
        const bool broken = name == "db7" || name == "db23" || name == "db41";
        EXPECT_EQ(result, broken ? "failed" : "migrated") << name;
        migrated += result == "migrated";
    }
    EXPECT_EQ(migrated, 47u);
    const Result again = dbs.project.run({"fleet", "up", "--parallel", "8", "--keep-going"});
    EXPECT_CONTAINS(again.out, "50 targets: 3 failed, 47 unchanged");

    SchemaFleet schemas(200);
    for (const int broken : {3, 99, 150, 151, 198}) {
        schemas.db.query("CREATE TABLE tenant_" + std::to_string(broken) + ".users (legacy text)");
    }
    const Result s = schemas.project.run({"fleet", "up", "--parallel", "8", "--keep-going"});
    EXPECT_EQ(s.code, 1);
    EXPECT_CONTAINS(s.out, "200 targets: 5 failed, 195 migrated");
    const Result status = schemas.project.run({"fleet", "status", "--json"});
    const auto doc = json_of(status);
    EXPECT_EQ(doc["summary"]["at head"], 195);
    EXPECT_EQ(doc["summary"]["behind"], 5);
    EXPECT_EQ(schemas.tables("public"), "");
    EXPECT_EQ(schemas.db.query("SELECT count(*) FROM pg_tables WHERE tablename = 'users'"), "200");
}
