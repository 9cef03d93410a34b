# Sourced by scripts/run, scripts/test and the benchmarks: find (or install)
# the PostgreSQL server binaries and run a private cluster in a folder of our
# own.
# PostgreSQL refuses to run as root, so as root the cluster runs as the
# unprivileged postgres user, in folders that user owns.

pg_find_bindir() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  if [ -z "$dir" ] || [ ! -x "$dir/initdb" ]; then
    echo "PostgreSQL server binaries not found; installing Debian's postgresql package" >&2
    if [ "$(id -u)" -ne 0 ]; then
      echo "error: run as root (or install the postgresql package) so the server binaries exist" >&2
      return 1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2 || return 1
    dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  fi
  PG_BIN=$dir
}

# pg_as_owner runs a command as the cluster's owner: postgres when we are
# root, ourselves otherwise.
pg_as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

pg_prepare_owner() {
  local dir=$1
  mkdir -p "$dir"
  if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
    chown -R postgres: "$dir"
    if ! runuser -u postgres -- test -w "$dir"; then
      echo "error: the postgres user cannot reach $dir; move the checkout to a path other users can enter" >&2
      return 1
    fi
  fi
}

# pg_init DIR: create a cluster in DIR/data (trust on loopback only).
pg_init() {
  local dir=$1
  pg_prepare_owner "$dir" || return 1
  pg_as_owner "$PG_BIN/initdb" -D "$dir/data" -U postgres --auth=trust --encoding=UTF8 \
    --locale=C.UTF-8 ${PG_INIT_EXTRA:-} >"$dir/initdb.log" 2>&1 || {
    cat "$dir/initdb.log" >&2
    return 1
  }
}

# pg_start DIR PORT [extra postgres options]: start the cluster, listening on
# 127.0.0.1 only, socket in the data folder. setsid keeps the server out of
# the terminal's process group, so Ctrl-C reaches the service, which then
# shuts down in order before the cluster is stopped.
pg_start() {
  local dir=$1 port=$2
  shift 2
  pg_as_owner setsid -w "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$dir/data $*" start >/dev/null || {
    tail -n 20 "$dir/server.log" >&2
    return 1
  }
}

pg_stop() {
  local dir=$1 mode=${2:-fast}
  [ -f "$dir/data/postmaster.pid" ] || return 0
  pg_as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -m "$mode" -w stop >/dev/null 2>&1 || true
}

# pg_throwaway [extra postgres options]: unless DATABASE_URL is already set,
# start a cluster in a temporary folder on a free loopback port and point
# DATABASE_URL at it. Set `trap pg_throwaway_stop EXIT` first, so the folder
# goes even when start-up fails half-way.
pg_throwaway() {
  [ -z "${DATABASE_URL:-}" ] || return 0
  pg_find_bindir || return 1
  PG_TMP=$(mktemp -d /tmp/kemitraan-pg.XXXXXX)
  chmod 755 "$PG_TMP"
  pg_init "$PG_TMP" || return 1
  local port
  port=$(pg_free_port)
  pg_start "$PG_TMP" "$port" "$@" || return 1
  export DATABASE_URL="postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
  echo "throwaway PostgreSQL on 127.0.0.1:$port ($PG_TMP)"
}

pg_throwaway_stop() {
  [ -n "${PG_TMP:-}" ] || return 0
  pg_stop "$PG_TMP" immediate
  rm -rf "$PG_TMP"
}

# pg_free_port [SPAN]: a loopback port nothing listens on, from a random
# start in 20000 … 20000+SPAN (30000).
pg_free_port() {
  local port=$((20000 + RANDOM % ${1:-30000}))
  while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
    port=$((port + 1))
  done
  echo "$port"
}

pg_psql() {
  local port=$1
  shift
  pg_as_owner "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres "$@"
}
