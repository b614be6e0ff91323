#!/usr/bin/env python3
"""Workloads L1 (PostgreSQL) and L2 (MariaDB) (docs/performance.md, docs/production.md): what a
migration that waits for a lock does to a live application.

An application reads a table at a fixed rate, a blocker holds a lock on it for a while (an open
transaction that read it), and an ALTER TABLE ... ADD COLUMN migration starts shortly after the
blocker. For each mode (sqlmig with its defaults, sqlmig with lock retries off, the database's own
client with no timeout) it reports the application's latency (p50, p99, max), the transactions
slower than 1 s, the blocked backend-seconds (application sessions waiting on a lock, sampled every
100 ms) and when the migration applied.

L1: pgbench -R is the application; a session waits on a lock when pg_stat_activity says
wait_event_type 'Lock'; the plain client is psql.
L2: sysbench running bench/l2_app.lua is the application (its own fixed-rate schedule, latency
from each transaction's scheduled start, as pgbench logs it); a session waits when
information_schema.PROCESSLIST says 'Waiting for table metadata lock'; the plain client is mariadb.

Only loopback servers started by scripts/ are used; every loop is bounded in time.
Run through ./scripts/bench --locks (which starts the servers), or directly:
  bench/lock_waits.py --pg-url URL --mariadb-url URL --sqlmig build/release/sqlmig --work /tmp/x
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
DATABASE = {"L1": "sqlmig_bench_l1", "L2": "sqlmig_bench_l2"}
APP_NAME = "l1-app"          # L1: the application's application_name
BLOCKER_NAME = "l1-blocker"
APP_USER = "l2_app"          # L2: the application's user (PROCESSLIST has no application name)
APP_PASSWORD = "l2-app-bench"


def percentile(sorted_values, p):
    if not sorted_values:
        return 0.0
    k = min(len(sorted_values) - 1, max(0, int(round(p / 100.0 * (len(sorted_values) - 1)))))
    return sorted_values[k]


class Sampler(threading.Thread):
    """Counts the application's sessions that wait on a lock, every interval, through one client
    session fed a query per tick (no process start per sample)."""

    def __init__(self, command, env, query, interval, duration):
        super().__init__(daemon=True)
        self.command, self.env, self.query = command, env, query
        self.interval, self.duration = interval, duration
        self.samples = []  # (seconds since start, waiting application sessions)

    def run(self):
        proc = subprocess.Popen(self.command, env=self.env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                text=True, bufsize=1)
        start = time.monotonic()
        try:
            while time.monotonic() - start < self.duration:
                tick = time.monotonic()
                proc.stdin.write(self.query + ";\n")
                proc.stdin.flush()
                line = proc.stdout.readline()
                if line.strip().isdigit():
                    self.samples.append((tick - start, int(line)))
                time.sleep(max(0.0, self.interval - (time.monotonic() - tick)))
        finally:
            proc.stdin.close()
            proc.wait(timeout=10)

    def blocked_backend_seconds(self):
        return sum(count for _, count in self.samples) * self.interval


class Postgres:
    """L1's server: pgbench reads, psql blocks and migrates."""

    workload = "L1"
    plain_client = "psql"
    default_modes = ["sqlmig", "sqlmig-retries-off", "psql"]
    builtin_configs = {}

    def __init__(self, server_url):
        self.server_url = server_url
        base, _, query = server_url.partition("?")
        self.url = base.rsplit("/", 1)[0] + "/" + DATABASE["L1"] + ("?" + query if query else "")

    def server_sql(self, sql, check=True):
        return subprocess.run(["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-d", self.server_url, "-c", sql],
                              check=check, capture_output=True, text=True)

    def sql(self, sql):
        return subprocess.run(["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-d", self.url, "-c", sql],
                              check=True, capture_output=True, text=True).stdout

    def fresh_database(self):
        """A fresh database per mode: no tracking table left over."""
        self.drop_database()
        self.server_sql("CREATE DATABASE %s" % DATABASE["L1"])
        self.sql("CREATE TABLE accounts (id int PRIMARY KEY, balance int NOT NULL);"
                 "INSERT INTO accounts SELECT g, 0 FROM generate_series(1, 10000) g; ANALYZE accounts;")

    def drop_database(self):
        self.server_sql("DROP DATABASE IF EXISTS %s WITH (FORCE)" % DATABASE["L1"], check=False)

    def start_app(self, args, log_dir):
        script = os.path.join(log_dir, "app.sql")
        with open(script, "w") as f:
            f.write("\\set id random(1, 10000)\nSELECT balance FROM accounts WHERE id = :id;\n")
        return subprocess.Popen(["pgbench", "-n", "-c", str(args.clients), "-j", "2", "-R", str(args.rate), "-T",
                                 str(args.window), "-l", "-f", script, self.url],
                                cwd=log_dir, env=dict(os.environ, PGAPPNAME=APP_NAME), stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, text=True)

    def sampler(self, interval, duration):
        query = ("SELECT count(*) FROM pg_stat_activity WHERE application_name = '%s' "
                 "AND wait_event_type = 'Lock'" % APP_NAME)
        return Sampler(["psql", "-X", "-q", "-At", "-d", self.url], None, query, interval, duration)

    def start_blocker(self, hold):
        return subprocess.Popen(["psql", "-X", "-q", "-d", self.url, "-c",
                                 "BEGIN; SELECT count(*) FROM accounts WHERE id = 1; SELECT pg_sleep(%s); COMMIT;"
                                 % hold],
                                env=dict(os.environ, PGAPPNAME=BLOCKER_NAME), stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)

    def plain_migration(self):
        return ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", self.url, "-c",
                "ALTER TABLE accounts ADD COLUMN note text"], None

    def column_added(self):
        return self.sql("SELECT count(*) FROM information_schema.columns WHERE table_name = 'accounts' "
                        "AND column_name = 'note'").strip() == "1"

    @staticmethod
    def latencies(log_dir):
        """Per-transaction latency in seconds, from its scheduled start (with --rate, pgbench's
        logged time already counts the schedule lag): what the application's user waits."""
        latencies = []
        for name in os.listdir(log_dir):
            if not name.startswith("pgbench_log"):
                continue
            with open(os.path.join(log_dir, name)) as f:
                for line in f:
                    parts = line.split()
                    if len(parts) < 6:
                        continue
                    latencies.append(int(parts[2]) / 1e6)
        return sorted(latencies)

    def describe(self, args):
        return ("L1 (PostgreSQL): %d clients at %d tx/s reading accounts; a blocker holds ACCESS SHARE from "
                "t=%.0f s to t=%.0f s; ALTER TABLE accounts ADD COLUMN starts at t=%.0f s" %
                (args.clients, args.rate, args.blocker_start, args.blocker_start + args.blocker_hold,
                 args.migration_start))


class MariaDB:
    """L2's server: sysbench with bench/l2_app.lua reads, the mariadb client blocks and migrates."""

    workload = "L2"
    plain_client = "mariadb"
    # MariaDB 10.11 counts lock_wait_timeout in whole seconds, so the default ladder's rungs (all
    # under 1 s) do not wait at all; sqlmig-ladder-1s shows what the shortest rung that waits does.
    default_modes = ["sqlmig", "sqlmig-ladder-1s", "sqlmig-retries-off", "mariadb"]
    builtin_configs = {"sqlmig-ladder-1s": '[mariadb]\nlock_timeout_ladder = ["1s"]\n'}

    def __init__(self, server_url):
        u = urllib.parse.urlsplit(server_url)
        self.host, self.port = u.hostname or "127.0.0.1", u.port or 3306
        self.user = urllib.parse.unquote(u.username or "root")
        self.password = urllib.parse.unquote(u.password or "")
        netloc = u.netloc.rpartition("@")[2]
        auth = urllib.parse.quote(self.user, safe="") + (":" + urllib.parse.quote(self.password, safe="")
                                                         if self.password else "")
        self.url = urllib.parse.urlunsplit((u.scheme, auth + "@" + netloc, "/" + DATABASE["L2"], u.query, ""))

    def client(self, user=None, password=None, database=DATABASE["L2"]):
        """A mariadb client command and its environment (the password in MYSQL_PWD, not in argv)."""
        command = ["mariadb", "--no-defaults", "--protocol=tcp", "-h", self.host, "-P", str(self.port),
                   "-u", user or self.user, "--batch", "--skip-column-names"]
        if database:
            command += ["-D", database]
        return command, dict(os.environ, MYSQL_PWD=password if password is not None else self.password)

    def run(self, sql, database=DATABASE["L2"], check=True):
        command, env = self.client(database=database)
        return subprocess.run(command + ["-e", sql], env=env, check=check, capture_output=True, text=True)

    def sql(self, sql):
        return self.run(sql).stdout

    def fresh_database(self):
        self.drop_database()
        self.run("CREATE DATABASE %s; CREATE OR REPLACE USER '%s'@'%%' IDENTIFIED BY '%s'; "
                 "GRANT SELECT ON %s.* TO '%s'@'%%'" % (DATABASE["L2"], APP_USER, APP_PASSWORD, DATABASE["L2"],
                                                        APP_USER), database=None)
        self.sql("CREATE TABLE accounts (id int PRIMARY KEY, balance int NOT NULL) ENGINE=InnoDB;"
                 "INSERT INTO accounts SELECT seq, 0 FROM seq_1_to_10000; ANALYZE TABLE accounts;")

    def drop_database(self):
        self.run("DROP DATABASE IF EXISTS %s; DROP USER IF EXISTS '%s'@'%%'" % (DATABASE["L2"], APP_USER),
                 database=None, check=False)

    def start_app(self, args, log_dir):
        return subprocess.Popen(["sysbench", os.path.join(HERE, "l2_app.lua"), "--db-driver=mysql",
                                 "--mysql-host=" + self.host, "--mysql-port=%d" % self.port,
                                 "--mysql-user=" + APP_USER, "--mysql-password=" + APP_PASSWORD,
                                 "--mysql-db=" + DATABASE["L2"], "--threads=%d" % args.clients,
                                 "--time=%d" % args.window, "--l2-rate=%d" % args.rate, "--l2-rows=10000",
                                 "--l2-log=" + os.path.join(log_dir, "app"), "run"],
                                cwd=log_dir, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)

    def sampler(self, interval, duration):
        command, env = self.client()
        query = ("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE USER = '%s' "
                 "AND STATE = 'Waiting for table metadata lock'" % APP_USER)
        return Sampler(command + ["--unbuffered"], env, query, interval, duration)

    def start_blocker(self, hold):
        command, env = self.client()
        return subprocess.Popen(command + ["-e", "START TRANSACTION; SELECT COUNT(*) FROM accounts WHERE id = 1; "
                                                 "SELECT SLEEP(%s); COMMIT;" % hold],
                                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def plain_migration(self):
        command, env = self.client()
        return command + ["-e", "ALTER TABLE accounts ADD COLUMN note text"], env

    def column_added(self):
        return self.sql("SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND "
                        "TABLE_NAME = 'accounts' AND COLUMN_NAME = 'note'").strip() == "1"

    @staticmethod
    def latencies(log_dir):
        """bench/l2_app.lua's logs: "scheduled_start latency" per transaction, in seconds."""
        latencies = []
        for name in os.listdir(log_dir):
            if not name.startswith("app."):
                continue
            with open(os.path.join(log_dir, name)) as f:
                for line in f:
                    parts = line.split()
                    if len(parts) == 2:
                        latencies.append(float(parts[1]))
        return sorted(latencies)

    def describe(self, args):
        return ("L2 (MariaDB): %d clients at %d tx/s reading accounts; a blocker's open transaction holds a "
                "metadata lock from t=%.0f s to t=%.0f s; ALTER TABLE accounts ADD COLUMN starts at t=%.0f s" %
                (args.clients, args.rate, args.blocker_start, args.blocker_start + args.blocker_hold,
                 args.migration_start))


def sqlmig_project(work, url, config_extra):
    project = tempfile.mkdtemp(prefix="locks-project-", dir=work)
    os.makedirs(os.path.join(project, "migrations"))
    with open(os.path.join(project, "migrations", "001_add_note.up.sql"), "w") as f:
        f.write("ALTER TABLE accounts ADD COLUMN note text;\n")
    with open(os.path.join(project, "config.toml"), "w") as f:
        f.write('[database]\nurl = "%s"\n[backup]\nenabled = false\n%s' % (url, config_extra))
    return project


def attempts_of(stdout, applied):
    """Attempts of the one migration, from sqlmig's --json document."""
    if not stdout.strip().startswith("{"):
        return None
    try:
        doc = json.loads(stdout)
    except ValueError:
        return None
    steps = doc.get("steps", [])
    if steps and "attempts" in steps[0]:
        return steps[0]["attempts"]
    waits = [w for step in steps for w in step.get("lock_waits", [])]
    return len(waits) + (1 if applied else 0)


def run_mode(args, server, mode, configs):
    """One window: app from 0 to --window s, blocker from --blocker-start for --blocker-hold s,
    the migration from --migration-start. Returns the measured figures."""
    server.fresh_database()
    log_dir = tempfile.mkdtemp(prefix="locks-log-", dir=args.work)
    app = server.start_app(args, log_dir)
    start = time.monotonic()
    sampler = server.sampler(0.1, args.window)
    sampler.start()

    def at(seconds):
        time.sleep(max(0.0, seconds - (time.monotonic() - start)))

    at(args.blocker_start)
    blocker = server.start_blocker(args.blocker_hold)
    at(args.migration_start)
    env = None
    if mode == server.plain_client:
        command, env = server.plain_migration()
        cwd = None
    else:
        config = configs.get(mode, "")
        cwd = sqlmig_project(args.work, server.url, config)
        command = [args.sqlmig, "up", "--json"]
    migration_started = time.monotonic() - start
    migration = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True,
                               timeout=args.window + 120)
    migration_ended = time.monotonic() - start
    blocker.wait(timeout=args.window + 120)
    blocker_ended = args.blocker_start + args.blocker_hold
    _, app_err = app.communicate(timeout=args.window + 120)
    sampler.join(timeout=args.window + 30)
    applied = server.column_added()
    latencies = server.latencies(log_dir)
    if not latencies:
        raise RuntimeError("%s: the application logged no transaction: %s" % (server.workload, app_err.strip()[-500:]))
    attempts = attempts_of(migration.stdout, applied) if mode != server.plain_client else None
    shutil.rmtree(log_dir, ignore_errors=True)
    return {
        "mode": mode,
        "applied": applied,
        "exit_code": migration.returncode,
        "migration_started_s": round(migration_started, 2),
        "migration_ended_s": round(migration_ended, 2),
        "after_blocker_end_s": round(migration_ended - blocker_ended, 2) if applied else None,
        "attempts": attempts,
        "app_transactions": len(latencies),
        "app_p50_ms": round(percentile(latencies, 50) * 1000, 1),
        "app_p99_ms": round(percentile(latencies, 99) * 1000, 1),
        "app_max_ms": round((latencies[-1] if latencies else 0) * 1000, 1),
        "app_over_1s": sum(1 for v in latencies if v > 1.0),
        "blocked_backend_seconds": round(sampler.blocked_backend_seconds(), 1),
        "error": "" if migration.returncode == 0 else (migration.stderr.strip().splitlines() or [""])[-1][:200],
    }


def print_table(results):
    header = ["mode", "applied at (after blocker end)", "attempts", "app p50", "app p99", "app max", "app tx > 1 s",
              "blocked backend-s", "exit"]
    rows = [header]
    for r in results:
        applied = ("t=%.1f s (%+.1f s)" % (r["migration_ended_s"], r["after_blocker_end_s"])
                   if r["applied"] else "never")
        rows.append([r["mode"], applied, "" if r["attempts"] is None else str(r["attempts"]),
                     "%.1f ms" % r["app_p50_ms"], "%.1f ms" % r["app_p99_ms"], "%.0f ms" % r["app_max_ms"],
                     str(r["app_over_1s"]), "%.1f" % r["blocked_backend_seconds"], str(r["exit_code"])])
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    for row in rows:
        print("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip())


def run_workload(args, server, modes, configs):
    load_before = os.getloadavg()
    results = []
    try:
        for mode in modes:
            print("%s: %s ..." % (server.workload, mode), file=sys.stderr)
            results.append(run_mode(args, server, mode, configs))
    finally:
        server.drop_database()
    load_after = os.getloadavg()
    print(server.describe(args))
    print("load average (1, 5, 15 min) before: %.2f %.2f %.2f; after: %.2f %.2f %.2f" % (load_before + load_after))
    print_table(results)
    return {"workload": server.workload, "load_before": load_before, "load_after": load_after, "results": results}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pg-url", help="a PostgreSQL server URL (a loopback test server): runs L1")
    parser.add_argument("--mariadb-url", help="a MariaDB server URL (a loopback test server): runs L2")
    parser.add_argument("--workloads", default="L1,L2", help="of those whose server is given")
    parser.add_argument("--sqlmig", required=True)
    parser.add_argument("--work", required=True, help="a scratch folder")
    parser.add_argument("--modes", help="L1's default: sqlmig,sqlmig-retries-off,psql; L2's: sqlmig,sqlmig-ladder-1s,"
                                        "sqlmig-retries-off,mariadb; another sqlmig-* mode needs --mode-config")
    parser.add_argument("--retries-off-config", default=None,
                        help="config.toml lines for the sqlmig-retries-off mode (\\n between lines; default: "
                             "lock_retries = false in the workload's section)")
    parser.add_argument("--mode-config", action="append", default=[], metavar="MODE=LINES",
                        help="config.toml lines for an extra sqlmig mode, e.g. "
                             "'sqlmig-ladder-1s=[mariadb]\\nlock_timeout_ladder = [\"1s\"]'")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--rate", type=int, default=200, help="application transactions per second")
    parser.add_argument("--window", type=int, default=30, help="seconds of application load")
    parser.add_argument("--blocker-start", type=float, default=5.0)
    parser.add_argument("--blocker-hold", type=float, default=20.0)
    parser.add_argument("--migration-start", type=float, default=7.0)
    parser.add_argument("--json", help="write the results here")
    args = parser.parse_args()
    args.sqlmig = os.path.abspath(args.sqlmig)
    if args.migration_start < args.blocker_start or args.window < args.blocker_start + args.blocker_hold:
        parser.error("the migration must start after the blocker, and the window must outlast the blocker")
    extra = {}
    for item in args.mode_config:
        name, sep, lines = item.partition("=")
        if not sep or not name.startswith("sqlmig-"):
            parser.error("--mode-config wants sqlmig-NAME=LINES, not %r" % item)
        extra[name] = lines.replace("\\n", "\n") + "\n"
    wanted = set(args.workloads.split(","))
    servers = []
    if "L1" in wanted and args.pg_url:
        servers.append(Postgres(args.pg_url))
    if "L2" in wanted and args.mariadb_url:
        servers.append(MariaDB(args.mariadb_url))
    if not servers:
        parser.error("nothing to run: give --pg-url for L1 and/or --mariadb-url for L2")
    plans = []
    for server in servers:
        section = "postgres" if server.workload == "L1" else "mariadb"
        configs = dict(server.builtin_configs, **extra)
        off = args.retries_off_config or "[%s]\\nlock_retries = false" % section
        configs["sqlmig-retries-off"] = off.replace("\\n", "\n") + "\n"
        modes = args.modes.split(",") if args.modes else server.default_modes
        for mode in modes:
            if mode not in ("sqlmig", server.plain_client) and mode not in configs:
                parser.error("%s mode %r: not sqlmig, %s, sqlmig-retries-off or one given by --mode-config"
                             % (server.workload, mode, server.plain_client))
        plans.append((server, modes, configs))
    documents = []
    for server, modes, configs in plans:
        documents.append(run_workload(args, server, modes, configs))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"workloads": documents}, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
