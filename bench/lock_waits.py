#!/usr/bin/env python3
"""Workload L1 (docs/performance.md, docs/production.md): what a migration that
waits for a lock does to a live application, on PostgreSQL.

An application reads a table at a fixed rate (pgbench -R), a blocker holds a lock
on it for a while, and an ALTER TABLE ... ADD COLUMN migration starts shortly after
the blocker. For each mode (sqlmig with its defaults, sqlmig with lock retries off,
psql with no timeout) it reports the application's latency (p50, p99, max), the
transactions slower than 1 s, the blocked backend-seconds (application backends
waiting on a lock, sampled every 100 ms) and when the migration applied.

Only loopback servers started by scripts/ are used; every loop is bounded in time.
Run through ./scripts/bench --locks (which starts the server), or directly:
  bench/lock_waits.py --pg-url URL --sqlmig build/release/sqlmig --work /tmp/x
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

APP_NAME = "l1-app"
BLOCKER_NAME = "l1-blocker"


def psql(url, sql, check=True):
    return subprocess.run(["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", sql],
                          check=check, capture_output=True, text=True)


def with_database(url, name):
    """The server URL with another database name (URL form only)."""
    base, _, query = url.partition("?")
    base = base.rsplit("/", 1)[0] + "/" + name
    return base + ("?" + query if query else "")


class Sampler(threading.Thread):
    """Counts the application's backends that wait on a lock, every interval."""

    def __init__(self, url, interval, duration):
        super().__init__(daemon=True)
        self.url, self.interval, self.duration = url, interval, duration
        self.samples = []  # (seconds since start, waiting application backends)

    def run(self):
        query = ("SELECT count(*) FROM pg_stat_activity WHERE application_name = '%s' "
                 "AND wait_event_type = 'Lock'" % APP_NAME)
        # One psql session, fed a query per tick: no process start per sample.
        proc = subprocess.Popen(["psql", "-X", "-q", "-At", "-d", self.url], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, text=True, bufsize=1)
        start = time.monotonic()
        try:
            while time.monotonic() - start < self.duration:
                tick = time.monotonic()
                proc.stdin.write(query + ";\n")
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


def percentile(sorted_values, p):
    if not sorted_values:
        return 0.0
    k = min(len(sorted_values) - 1, max(0, int(round(p / 100.0 * (len(sorted_values) - 1)))))
    return sorted_values[k]


def read_pgbench_latencies(log_dir):
    """Per-transaction latency in seconds, from its scheduled start (with --rate, pgbench's logged
    time already counts the schedule lag): what the application's user waits."""
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


def sqlmig_project(work, url, config_extra):
    project = tempfile.mkdtemp(prefix="l1-project-", dir=work)
    os.makedirs(os.path.join(project, "migrations"))
    with open(os.path.join(project, "migrations", "001_add_note.up.sql"), "w") as f:
        f.write("ALTER TABLE accounts ADD COLUMN note text;\n")
    with open(os.path.join(project, "config.toml"), "w") as f:
        f.write('[database]\nurl = "%s"\n[backup]\nenabled = false\n%s' % (url, config_extra))
    return project


def run_mode(args, mode, db_url):
    """One window: app from 0 to --window s, blocker from --blocker-start for --blocker-hold s,
    the migration from --migration-start. Returns the measured figures."""
    psql(args.pg_url, "DROP DATABASE IF EXISTS sqlmig_bench_l1 WITH (FORCE)")
    psql(args.pg_url, "CREATE DATABASE sqlmig_bench_l1")  # a fresh one per mode: no tracking table left over
    psql(db_url, "CREATE TABLE accounts (id int PRIMARY KEY, balance int NOT NULL);"
                 "INSERT INTO accounts SELECT g, 0 FROM generate_series(1, 10000) g; ANALYZE accounts;")
    log_dir = tempfile.mkdtemp(prefix="l1-log-", dir=args.work)
    script = os.path.join(log_dir, "app.sql")
    with open(script, "w") as f:
        f.write("\\set id random(1, 10000)\nSELECT balance FROM accounts WHERE id = :id;\n")
    env = dict(os.environ, PGAPPNAME=APP_NAME)
    app = subprocess.Popen(["pgbench", "-n", "-c", str(args.clients), "-j", "2", "-R", str(args.rate), "-T",
                            str(args.window), "-l", "-f", script, db_url],
                           cwd=log_dir, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    start = time.monotonic()
    sampler = Sampler(db_url, 0.1, args.window)
    sampler.start()

    def at(seconds):
        time.sleep(max(0.0, seconds - (time.monotonic() - start)))

    at(args.blocker_start)
    blocker = subprocess.Popen(["psql", "-X", "-q", "-d", db_url, "-c",
                                "BEGIN; SELECT count(*) FROM accounts WHERE id = 1; SELECT pg_sleep(%s); COMMIT;"
                                % args.blocker_hold],
                               env=dict(os.environ, PGAPPNAME=BLOCKER_NAME), stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    at(args.migration_start)
    if mode == "psql":
        command = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", db_url, "-c",
                   "ALTER TABLE accounts ADD COLUMN note text"]
        cwd = None
    else:
        config = "" if mode == "sqlmig" else args.retries_off_config.replace("\\n", "\n") + "\n"
        cwd = sqlmig_project(args.work, db_url, config)
        command = [args.sqlmig, "up", "--json"]
    migration_started = time.monotonic() - start
    migration = subprocess.run(command, cwd=cwd, capture_output=True, text=True,
                               timeout=args.window + 120)
    migration_ended = time.monotonic() - start
    blocker.wait(timeout=args.window + 120)
    blocker_ended = args.blocker_start + args.blocker_hold
    app.wait(timeout=args.window + 120)
    sampler.join(timeout=args.window + 30)
    applied = psql(db_url, "SELECT count(*) FROM information_schema.columns WHERE table_name = 'accounts' "
                           "AND column_name = 'note'").stdout.strip() == "1"
    latencies = read_pgbench_latencies(log_dir)
    attempts = None
    if mode != "psql" and migration.stdout.strip().startswith("{"):
        try:
            doc = json.loads(migration.stdout)
            waits = [w for step in doc.get("steps", []) for w in step.get("lock_waits", [])]
            attempts = len(waits) + (1 if applied else 0)
        except ValueError:
            pass
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
    header = ["mode", "applied at (after blocker end)", "app p50", "app p99", "app max", "app tx > 1 s",
              "blocked backend-s", "exit"]
    rows = [header]
    for r in results:
        applied = ("t=%.1f s (%+.1f s)" % (r["migration_ended_s"], r["after_blocker_end_s"])
                   if r["applied"] else "never")
        rows.append([r["mode"], applied, "%.1f ms" % r["app_p50_ms"], "%.1f ms" % r["app_p99_ms"],
                     "%.0f ms" % r["app_max_ms"], str(r["app_over_1s"]), "%.1f" % r["blocked_backend_seconds"],
                     str(r["exit_code"])])
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    for row in rows:
        print("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip())


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pg-url", required=True, help="a PostgreSQL server URL (a loopback test server)")
    parser.add_argument("--sqlmig", required=True)
    parser.add_argument("--work", required=True, help="a scratch folder")
    parser.add_argument("--modes", default="sqlmig,sqlmig-retries-off,psql")
    parser.add_argument("--retries-off-config", default='[postgres]\\nlock_retries = false',
                        help="config.toml lines for the sqlmig-retries-off mode")
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
    db_url = with_database(args.pg_url, "sqlmig_bench_l1")
    results = []
    try:
        for mode in args.modes.split(","):
            print("L1: %s ..." % mode, file=sys.stderr)
            results.append(run_mode(args, mode, db_url))
    finally:
        psql(args.pg_url, "DROP DATABASE IF EXISTS sqlmig_bench_l1 WITH (FORCE)", check=False)
    print("L1 (PostgreSQL): %d clients at %d tx/s reading accounts; a blocker holds ACCESS SHARE from t=%.0f s to "
          "t=%.0f s; ALTER TABLE accounts ADD COLUMN starts at t=%.0f s" %
          (args.clients, args.rate, args.blocker_start, args.blocker_start + args.blocker_hold,
           args.migration_start))
    print_table(results)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"workload": "L1", "results": results}, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
