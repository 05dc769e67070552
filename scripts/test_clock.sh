#!/usr/bin/env bash
# The time-dependent part of the suite, on SQLite, under Debian's libfaketime at the moments a clock-dependent
# test breaks (Beijing time): just after midnight, before dawn, a minute before the morning follow-up's day
# starts, past noon, before midnight, the last minute of the year and of 28 February in a leap year. The clock
# runs from each moment (tests that need a moment of their own set it with time-machine). Two runs at a time.
# Usage: scripts/test_clock.sh [pytest paths...]   (make test-clock)
set -uo pipefail
cd "$(dirname "$0")/.."

# The site-wide tests (crawl, hostile forms, query counts, the edit round trip) and every app whose pages or rules
# change with the hour or the day (not the register's, the accounts', the audit log's, the API's, core's
# plumbing or the browser tests).
paths=("$@")
[ ${#paths[@]} -gt 0 ] || paths=(alleykeeper/core/tests/sitewide alleykeeper/core/tests/test_edit_round_trip.py
  alleykeeper/center alleykeeper/demo alleykeeper/alerts alleykeeper/screening
  alleykeeper/observation alleykeeper/gates alleykeeper/visitors alleykeeper/pushlist alleykeeper/reports
  alleykeeper/maps alleykeeper/reopening alleykeeper/sanitation alleykeeper/supplies alleykeeper/publicity)

today=$(TZ=Asia/Shanghai date +%F)
year=$(TZ=Asia/Shanghai date +%Y)
leap=$year
until [ $((leap % 4)) -eq 0 ] && { [ $((leap % 100)) -ne 0 ] || [ $((leap % 400)) -eq 0 ]; }; do leap=$((leap + 1)); done
moments=("$today 00:05:00" "$today 03:50:00" "$today 07:59:00" "$today 12:10:00" "$today 23:55:00"
  "$year-12-31 23:59:00" "$leap-02-28 23:59:00")

logs=$(mktemp -d)
run() {
  local moment=$1 log=$logs/${1// /_}.log
  # addopts without -q: the log's last line is pytest's summary ("796 passed, 5 skipped in ...").
  if TZ=Asia/Shanghai faketime "$moment" env -u DATABASE_URL .venv/bin/pytest -o addopts="-p no:cacheprovider" \
    --strict-markers "${paths[@]}" >"$log" 2>&1; then
    echo "clock $moment (Beijing): $(tail -n 1 "$log")"
  else
    echo "clock $moment (Beijing): FAILED"
    tail -n 40 "$log"
    return 1
  fi
}

failed=0
pids=()
for moment in "${moments[@]}"; do
  run "$moment" &
  pids+=($!)
  if [ ${#pids[@]} -ge 2 ]; then
    wait "${pids[0]}" || failed=1
    pids=("${pids[@]:1}")
  fi
done
for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
rm -rf "$logs"
exit $failed
