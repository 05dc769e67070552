#!/usr/bin/env bash
# Stop and remove the replica made by scripts/make_replica.sh (never touches the primary).
set -euo pipefail
DIR="${REPLICA_DIR:-/tmp/alleykeeper-replica}"
VERSION="$(ls /etc/postgresql | sort -V | tail -1)"
if [ -f "$DIR/data/postmaster.pid" ]; then
  runuser -u postgres -- "/usr/lib/postgresql/$VERSION/bin/pg_ctl" -D "$DIR/data" -m fast -w stop >/dev/null
fi
rm -rf "$DIR"
SLOT="${REPLICA_SLOT:-alleykeeper_replica}"
psql -h 127.0.0.1 -p "${PRIMARY_PORT:-5432}" -U postgres -Atqc \
  "select pg_drop_replication_slot('$SLOT') from pg_replication_slots where slot_name = '$SLOT'" >/dev/null
echo "replica removed"
