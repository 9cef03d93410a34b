# Sourced by scripts/bench-evaluate and scripts/bench-outputs: a PostgreSQL
# server (DATABASE_URL's when set, otherwise a throwaway cluster sized for
# batch work), the kemitraan binary in $bin, and bench_db NAME, which makes
# database NAME on that server with `kemitraan seed --scale $BENCH_SCALE`
# and sets $bench_url to it. BENCH_REUSE=1 keeps an existing NAME (only
# migrated up), so a benchmark can be repeated without seeding again.
. scripts/pg.sh

scale=${BENCH_SCALE:-100000,10000000}
bin=$(mktemp /tmp/kemitraan-bin.XXXXXX)
trap 'rm -f "$bin"; pg_throwaway_stop' EXIT
# Enough cache for the purchases index, and no checkpoint mid-seed.
pg_throwaway -c shared_buffers=1GB -c max_wal_size=4GB -c checkpoint_timeout=30min
go build -o "$bin" ./app/cmd/kemitraan
psql=${PG_BIN:+$PG_BIN/psql}
psql=${psql:-$(command -v psql)}

bench_db() {
  local name=$1 exists
  bench_url=$(printf '%s' "$DATABASE_URL" | sed -E "s#/[^/?]*(\\?|\$)#/$name\\1#")
  exists=$("$psql" -Atq "$DATABASE_URL" -c "SELECT 1 FROM pg_database WHERE datname = '$name'")
  if [ "${BENCH_REUSE:-}" = 1 ] && [ "$exists" = 1 ]; then
    DATABASE_URL=$bench_url "$bin" migrate up
    return
  fi
  "$psql" -q "$DATABASE_URL" -c "DROP DATABASE IF EXISTS $name WITH (FORCE)" -c "CREATE DATABASE $name"
  DATABASE_URL=$bench_url "$bin" migrate up
  echo "seeding $scale (businesses,purchases) ..."
  DATABASE_URL=$bench_url /usr/bin/time -f 'seed: %e s, max RSS %M KB' "$bin" seed --scale "$scale"
  "$psql" -q "$bench_url" -c 'VACUUM (ANALYZE)'
}
