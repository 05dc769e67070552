#!/usr/bin/env bash
# A streaming replica of the local PostgreSQL server, for the read-replica test (alleykeeper/core/tests/
# test_replica.py): a second cluster on port 5433 made by pg_basebackup, following the primary. .ci/run calls
# it before the PostgreSQL suite and scripts/drop_replica.sh after. Root (it runs the cluster as postgres).
#
# The primary is never restarted: PostgreSQL 15 already has wal_level=replica and max_wal_senders=10. The only
# change to it is a pg_hba.conf line letting loopback make replication connections, applied by a reload.
set -euo pipefail

PORT="${REPLICA_PORT:-5433}"
DIR="${REPLICA_DIR:-/tmp/alleykeeper-replica}"
PRIMARY_PORT="${PRIMARY_PORT:-5432}"
VERSION="$(ls /etc/postgresql | sort -V | tail -1)"
BIN="/usr/lib/postgresql/$VERSION/bin"
as_postgres() { runuser -u postgres -- "$@"; }

if pg_isready -q -h 127.0.0.1 -p "$PORT"; then
  echo "a server already answers on port $PORT: using it"
  exit 0
fi

HBA="$(psql -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres -Atc 'show hba_file')"
if ! grep -Eq '^host[[:space:]]+replication[[:space:]]+(all|postgres)[[:space:]]+127\.0\.0\.1/32' "$HBA"; then
  echo "host replication postgres 127.0.0.1/32 trust  # alleykeeper: scripts/make_replica.sh" >> "$HBA"
  psql -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres -Atqc 'select pg_reload_conf()' >/dev/null
fi

# A replication slot keeps the WAL the replica has not received yet (others write a lot on a shared machine);
# scripts/drop_replica.sh drops it, so that a replica gone for good never makes the primary keep WAL.
SLOT="${REPLICA_SLOT:-alleykeeper_replica}"
psql -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres -Atqc \
  "select pg_drop_replication_slot('$SLOT') from pg_replication_slots where slot_name = '$SLOT' and not active" >/dev/null

rm -rf "$DIR"
mkdir -p "$DIR"
chown postgres:postgres "$DIR"
chmod 700 "$DIR"
as_postgres "$BIN/pg_basebackup" -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres -D "$DIR/data" -R -X stream -c fast -C -S "$SLOT"
# Debian keeps the configuration in /etc: the copy gets a minimal one of its own, with the limits a standby must
# not set below the primary's.
primary_setting() { psql -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres -Atc "show $1"; }
cat > "$DIR/data/postgresql.conf" <<CONF
port = $PORT
listen_addresses = '127.0.0.1'
unix_socket_directories = '$DIR'
hot_standby = on
max_connections = $(primary_setting max_connections)
max_worker_processes = $(primary_setting max_worker_processes)
max_wal_senders = $(primary_setting max_wal_senders)
max_prepared_transactions = $(primary_setting max_prepared_transactions)
max_locks_per_transaction = $(primary_setting max_locks_per_transaction)
shared_buffers = 32MB
CONF
echo "host all all 127.0.0.1/32 trust" > "$DIR/data/pg_hba.conf"
echo "local all all trust" >> "$DIR/data/pg_hba.conf"
: > "$DIR/data/pg_ident.conf"
chown postgres:postgres "$DIR/data/postgresql.conf" "$DIR/data/pg_hba.conf" "$DIR/data/pg_ident.conf"
as_postgres "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" start >/dev/null
# A hot standby opens for reads once the primary logs a snapshot it can use: a long transaction on the primary
# (another test run) can delay that by minutes.
for _ in $(seq "${REPLICA_WAIT_SECONDS:-300}"); do
  psql -h 127.0.0.1 -p "$PORT" -U postgres -Atc 'select pg_is_in_recovery()' 2>/dev/null | grep -q t && break
  sleep 1
done
if ! psql -h 127.0.0.1 -p "$PORT" -U postgres -Atc 'select pg_is_in_recovery()' 2>/dev/null | grep -q t; then
  echo "the replica on port $PORT does not accept reads yet (see $DIR/server.log); scripts/drop_replica.sh removes it"
  exit 1
fi
echo "replica up on 127.0.0.1:$PORT ($DIR)"
