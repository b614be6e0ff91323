#!/usr/bin/env sysbench
-- Workload L2's application (bench/lock_waits.py): each thread reads one row of `accounts` at
-- a fixed rate, on a Poisson schedule of its own, and logs every transaction's latency counted
-- from its scheduled start, as pgbench -R -l does for L1. sysbench's own --rate is not used:
-- its reported latency starts when a thread takes an event, so the time queued events wait
-- behind a stalled thread would not count.
--   sysbench bench/l2_app.lua --threads=8 --time=30 --l2-rate=200 --l2-rows=10000 \
--     --l2-log=/tmp/dir/app --mysql-host=... run
-- Each thread writes <l2-log>.<thread>: one line per transaction, "scheduled_start latency"
-- (seconds; the start on CLOCK_MONOTONIC, the clock Python's time.monotonic reads).

local ffi = require("ffi")
ffi.cdef [[
struct l2_timespec { long tv_sec; long tv_nsec; };
int clock_gettime(int clk_id, struct l2_timespec *tp);
int usleep(unsigned int usec);
]]

sysbench.cmdline.options = {
    ["l2-rate"] = {"transactions per second, all threads together", 200},
    ["l2-rows"] = {"rows of accounts (ids 1..N)", 10000},
    ["l2-log"] = {"path prefix of the per-thread latency logs", ""},
}

local CLOCK_MONOTONIC = 1
local ts = ffi.new("struct l2_timespec")

local function now()
    ffi.C.clock_gettime(CLOCK_MONOTONIC, ts)
    return tonumber(ts.tv_sec) + tonumber(ts.tv_nsec) / 1e9
end

local con, next_start, per_thread_rate, log
local starts, latencies = {}, {}

function thread_init()
    con = sysbench.sql.driver():connect()
    per_thread_rate = sysbench.opt.l2_rate / sysbench.opt.threads
    math.randomseed(os.time() + sysbench.tid * 7919)
    next_start = now()
end

function event()
    -- Poisson arrivals: exponential gaps. A thread that fell behind (its query waited on a
    -- lock) runs the transactions it owes at once, each late from its own schedule.
    next_start = next_start - math.log(1 - math.random()) / per_thread_rate
    local wait = next_start - now()
    if wait > 0 then
        ffi.C.usleep(math.floor(wait * 1e6))
    end
    local id = math.random(1, sysbench.opt.l2_rows)
    con:query("SELECT balance FROM accounts WHERE id = " .. id)
    starts[#starts + 1] = next_start
    latencies[#latencies + 1] = now() - next_start
end

function thread_done()
    if sysbench.opt.l2_log ~= "" then
        local f = assert(io.open(sysbench.opt.l2_log .. "." .. sysbench.tid, "w"))
        for i = 1, #starts do
            f:write(string.format("%.6f %.6f\n", starts[i], latencies[i]))
        end
        f:close()
    end
    con:disconnect()
end
