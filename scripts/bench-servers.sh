# Sourced by scripts/bench-write and scripts/fault-drill, after scripts/pg.sh
# and with $work set to a temporary folder holding the kemitraan, bare and
# loadgen binaries: a demo database, an ERP token, and one server at a time
# (kemitraan or the bare baseline) on a free loopback port.

# bench_database NAME: (re)creates database NAME on DATABASE_URL's server,
# migrated and loaded with the demo data set, and sets $url to it (and
# $psql to a client).
bench_database() {
  local name=$1
  psql=${PG_BIN:+$PG_BIN/psql}
  psql=${psql:-$(command -v psql)}
  url=$(printf '%s' "$DATABASE_URL" | sed -E "s#/[^/?]*(\\?|\$)#/$name\\1#")
  "$psql" -q "$DATABASE_URL" -c "DROP DATABASE IF EXISTS $name WITH (FORCE)" -c "CREATE DATABASE $name"
  DATABASE_URL=$url "$work/kemitraan" migrate up >"$work/migrate.log" 2>&1 || {
    cat "$work/migrate.log" >&2
    return 1
  }
  DATABASE_URL=$url "$work/kemitraan" seed --demo >"$work/seed.log" 2>&1 || {
    cat "$work/seed.log" >&2
    return 1
  }
}

server_pid=
server_name=
# start_server kemitraan|bare: starts it on a free port (its output appended
# to $work/NAME.log), sets $server_pid and $server_url, and waits for
# /readyz. kemitraan runs with its default configuration except its address,
# the scheduler (off, so no job run lands in one measurement only), the log
# level (warn: its one info line per request would otherwise be measured as
# much as the request) and the uploads folder (in $work, not the checkout).
start_server() {
  local port
  server_name=$1
  # Below Linux's ephemeral ports (32768 up), which the load generator's
  # and the pools' connections take by the thousand: one of them holding
  # the port would make the server's listen fail.
  port=$(pg_free_port 12000)
  server_url=http://127.0.0.1:$port
  case $server_name in
  kemitraan)
    DATABASE_URL=$url KEMITRAAN_HTTP_ADDR=127.0.0.1:$port KEMITRAAN_JOBS_ENABLED=false \
      KEMITRAAN_LOG_LEVEL=warn KEMITRAAN_UPLOADS_DIR=$work/uploads \
      "$work/kemitraan" serve >>"$work/kemitraan.log" 2>&1 &
    ;;
  bare)
    "$work/bare" -addr "127.0.0.1:$port" -database-url "$url" >>"$work/bare.log" 2>&1 &
    ;;
  *)
    echo "error: no server $server_name" >&2
    return 1
    ;;
  esac
  server_pid=$!
  wait_ready 10 || {
    echo "error: $server_name did not become ready; its log ends:" >&2
    tail -n 20 "$work/$server_name.log" >&2
    return 1
  }
}

# wait_ready SECONDS: until $server_url/readyz answers 200, while the
# server lives.
wait_ready() {
  local tries=$(($1 * 10))
  while [ "$tries" -gt 0 ]; do
    curl -fsS -m 2 -o /dev/null "$server_url/readyz" 2>/dev/null && return 0
    kill -0 "$server_pid" 2>/dev/null || return 1
    sleep 0.1
    tries=$((tries - 1))
  done
  return 1
}

# stop_server: SIGTERM, and SIGKILL when the server has not ended 5 s later
# (a server stuck on its own requests would otherwise wait out its whole
# shutdown timeout).
stop_server() {
  [ -n "$server_pid" ] || return 0
  kill -TERM "$server_pid" 2>/dev/null || true
  if gone_within 5; then
    wait "$server_pid" 2>/dev/null || true
    server_pid=
    # 0 spelled out: a bare return in a trap's clean-up returns the status
    # of the command before the trap, the failure that ended the script.
    return 0
  fi
  echo "  ($server_name still running 5 s after SIGTERM: killed)"
  kill_server
}

# kill_server: SIGKILL, without bash's notice of a job killed.
kill_server() {
  disown "$server_pid" 2>/dev/null || true
  kill -KILL "$server_pid" 2>/dev/null || true
  gone_within 5 || true
  server_pid=
}

# gone_within SECONDS: whether the server process ends within SECONDS.
gone_within() {
  local tries=$(($1 * 20))
  while kill -0 "$server_pid" 2>/dev/null; do
    [ "$tries" -gt 0 ] || return 1
    sleep 0.05
    tries=$((tries - 1))
  done
}

json_field() { sed -n "s/.*\"$1\":\"\\([^\"]*\\)\".*/\\1/p"; }

# erp_token: with kemitraan serving, logs in as the demo company user and
# makes an ERP token for its business through the API; sets $token.
erp_token() {
  local session
  session=$(curl -fsS -m 10 -X POST -H 'Content-Type: application/json' \
    -d '{"username":"company","password":"demo-company-2025"}' "$server_url/api/v1/auth/login" | json_field token)
  token=$(curl -fsS -m 10 -X POST -H "Authorization: Bearer $session" -H 'Content-Type: application/json' \
    -d '{"name":"bench"}' "$server_url/api/v1/tokens" | json_field token)
  [ -n "$token" ] || {
    echo "error: no ERP token made" >&2
    return 1
  }
}

# pick_ikms: up to five active IKM of the demo data, bought from in turn;
# sets $ikms (comma-separated ids).
pick_ikms() {
  ikms=$("$psql" -Atq "$url" -c "SELECT string_agg(id::text, ',' ORDER BY id)
    FROM (SELECT id FROM ikms WHERE status = 'active' ORDER BY id LIMIT 5) i")
  [ -n "$ikms" ] || {
    echo "error: no active IKM in the demo data" >&2
    return 1
  }
  echo "buying from IKM $ikms ($("$psql" -Atq "$url" -c "SELECT count(*) FROM ikms
    WHERE id IN ($ikms) AND email IS NOT NULL") of them with an e-mail address, so a confirmation request in the outbox)"
}

# post_purchase INVOICE: one purchase from the first IKM; prints the status
# (000 when no answer came within 10 s), the answer left in $work/answer.json.
post_purchase() {
  curl -sS -m 10 -o "$work/answer.json" -w '%{http_code}' -X POST -H "Authorization: Bearer $token" \
    -H 'Content-Type: application/json' "$server_url/api/v1/purchases" \
    -d "{\"ikm_id\":${ikms%%,*},\"invoice_number\":\"$1\",\"purchase_date\":\"2025-03-10\",\"description\":\"Uji coba\",\"quantity\":1,\"amount\":100000}" \
    2>/dev/null || true
}

# trial NAME INVOICE: one purchase, which must answer 201; prints the answer
# and fails otherwise.
trial() {
  local code
  code=$(post_purchase "$2")
  if [ "$code" != 201 ]; then
    echo "error: $1 answered $code to a trial purchase:" >&2
    cat "$work/answer.json" >&2 2>/dev/null
    echo >&2
    return 1
  fi
}
