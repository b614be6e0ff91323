#!/usr/bin/env python3
"""Workload I1 (docs/performance.md, docs/impact.md): how close `sqlmig impact`'s estimate comes to the
real duration of a statement that scans, indexes or rewrites a large table.

A table of --rows rows (bigint key, int, 32-character text, primary key) is filled and analysed;
`sqlmig impact --json` measures a pending migration holding three statements and estimates each one's
duration from the live size; then each statement runs for real on the table (psql, one at a time, the scan
and the index undone before the rewrite) and the two durations are compared.

Only a loopback server started by scripts/ is used. Run through ./scripts/bench --impact (which starts it),
or directly:  bench/impact_estimate.py --pg-url URL --sqlmig build/test/sqlmig --work /tmp/x [--rows N]
"""

import argparse
import json
import os
import subprocess

DATABASE = "sqlmig_bench_i1"
STATEMENTS = [
    ("scan", "ALTER TABLE orders ADD CONSTRAINT orders_n CHECK (n >= 0)", "ALTER TABLE orders DROP CONSTRAINT orders_n"),
    ("index_build", "CREATE INDEX orders_t ON orders (t)", "DROP INDEX orders_t"),
    ("rewrite", "ALTER TABLE orders ALTER COLUMN n TYPE bigint", None),
]


def psql(url, sql):
    subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", url, "-c", sql], check=True,
                   stdout=subprocess.DEVNULL)


def timed(url, sql):
    """The server's duration as psql's \\timing reports it (no connection set-up counted)."""
    out = subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", url, "-c", "\\timing on", "-c", sql],
                         check=True, capture_output=True, text=True).stdout
    line = [l for l in out.splitlines() if l.startswith("Time: ")][-1]
    return float(line.split()[1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pg-url", required=True)
    ap.add_argument("--sqlmig", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--json")
    a = ap.parse_args()
    a.sqlmig = os.path.abspath(a.sqlmig)
    server = a.pg_url
    url = server[: server.rfind("/") + 1] + DATABASE
    psql(server, f"DROP DATABASE IF EXISTS {DATABASE}")
    psql(server, f"CREATE DATABASE {DATABASE}")
    project = os.path.join(a.work, "i1")
    os.makedirs(os.path.join(project, "migrations"), exist_ok=True)
    with open(os.path.join(project, "config.toml"), "w") as f:
        f.write(f'[database]\nurl = "{url}"\n[backup]\nenabled = false\n')
    with open(os.path.join(project, "migrations", "001_orders.up.sql"), "w") as f:
        f.write("CREATE TABLE orders (id bigint PRIMARY KEY, n int, t text);\n")
    with open(os.path.join(project, "migrations", "002_change.up.sql"), "w") as f:
        f.write("".join(s + ";\n" for _, s, _ in STATEMENTS))
    subprocess.run([a.sqlmig, "up", "1"], cwd=project, check=True, capture_output=True)
    psql(url, f"INSERT INTO orders SELECT g, (g % 1000)::int, md5(g::text) FROM generate_series(1, {a.rows}) AS g")
    psql(url, "VACUUM ANALYZE orders")
    done = subprocess.run([a.sqlmig, "impact", "--json"], cwd=project, check=True, capture_output=True, text=True)
    report = json.loads(done.stdout)
    results = []
    for (work, sql, undo), measured in zip(STATEMENTS, report["statements"]):
        real_ms = timed(url, sql)
        if undo:
            psql(url, undo)
        estimate = measured["estimate_ms"] or 0
        results.append({"statement": sql, "work": measured["work"], "expected_work": work,
                        "total_bytes": measured["live"]["total_bytes"], "estimate_ms": estimate,
                        "real_ms": round(real_ms), "ratio": round(estimate / real_ms, 2) if real_ms else None})
    psql(server, f"DROP DATABASE IF EXISTS {DATABASE}")
    print(f"I1: {a.rows} rows; throughputs {report['throughput']}")
    print(f"{'statement':60} {'work':12} {'estimate':>10} {'real':>10} {'est/real':>9}")
    for r in results:
        print(f"{r['statement'][:60]:60} {r['work']:12} {r['estimate_ms']:>8} ms {r['real_ms']:>7} ms {r['ratio']:>9}")
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"rows": a.rows, "throughput": report["throughput"], "results": results}, f, indent=2)


if __name__ == "__main__":
    main()
