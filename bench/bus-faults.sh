#!/usr/bin/env bash
# The event bus under faults (docs/BENCHMARKS.md, "Event bus under faults").
#
# Runs the two-replica fault test of the API suite: replica one raises alerts back to back, a
# client subscribed on replica two reads them, the Redis of the run (a redis-server the test
# starts on a free port; the shared one is never touched) has its pub/sub connections killed,
# then its process killed for 10 s and restarted. The test asserts the goals and prints one
# line per run:
#   bus faults: <n> alerts, none missed; mutation p99 normal <t>, outage <t>; resubscribed <t> ...
#
#   bench/bus-faults.sh            # PostgreSQL + Redis, release build, 3 runs
#   RUNS=1 PROFILE=dev bench/bus-faults.sh
#
# Needs redis-server on PATH and PostgreSQL at TEST_DATABASE_URL (unset it for SQLite).
set -uo pipefail
cd "$(dirname "$0")/.."
export TEST_DATABASE_URL="${TEST_DATABASE_URL-postgres://postgres@127.0.0.1:5432/postgres}"
[ -n "$TEST_DATABASE_URL" ] || unset TEST_DATABASE_URL
# Only read as "Redis is available": the test uses its own redis-server.
export TEST_REDIS_URL="${TEST_REDIS_URL:-redis://127.0.0.1:6379}"
profile="${PROFILE:-release}"
for run in $(seq "${RUNS:-3}"); do
    cargo test --profile "$profile" -p api --test api \
        scale_out::a_subscriber_on_replica_two_receives_every_alert_event_in_order_across_redis_kills_and_an_outage \
        -- --exact --nocapture 2>&1 | grep -E "bus faults:|test result|panicked" | sed "s/^/run $run: /"
done
