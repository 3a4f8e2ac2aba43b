#!/usr/bin/env bash
# Smoke proof of the database plugins against a real OpenBao (`bao` on PATH) and
# a real Redis (redis-server, redis-cli), both on free loopback ports:
#   - reference-database and the third-party vault-plugin-database-redis: register
#     (type database, sha256), configure, dynamic role (creds, AUTH, renew, revoke),
#     static role (rotate-role), rotate-root;
#   - each mutant-db-* shows its defect through the server.
# Binaries come from plugins_under_test/bin (run plugins_under_test/build first);
# vault-plugin-database-redis is skipped when absent. Everything started here is
# stopped, and the temp directory removed, on exit. Every wait is bounded.
#   KEEP_LOGS=1  print the OpenBao log on failure (default: its last 40 lines)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bin="$here/../bin"
for tool in bao redis-server redis-cli curl jq sha256sum python3 timeout; do
  command -v "$tool" >/dev/null || { echo "smoke: $tool not found" >&2; exit 2; }
done

work="$(mktemp -d "${TMPDIR:-/tmp}/db-smoke.XXXXXX")"
pids=()
cleanup() {
  local pid deadline
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  deadline=$((SECONDS + 15))
  for pid in "${pids[@]}"; do
    while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  # Plugin processes the server started and did not stop (only if it had to be killed).
  local exe
  for exe in /proc/[0-9]*/exe; do
    [[ "$(readlink "$exe" 2>/dev/null)" == "$work/plugins/"* ]] || continue
    pid="${exe#/proc/}"; pid="${pid%/exe}"
    kill -KILL "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

t0=$(date +%s%N)
elapsed() { echo "$(( ($(date +%s%N) - t0) / 1000000 )) ms"; }
ok() { echo "ok    $* ($(elapsed))"; t0=$(date +%s%N); }
fail() {
  echo "FAIL  $*" >&2
  if [[ -n "${KEEP_LOGS:-}" ]]; then cat "$work/bao.log" >&2; else tail -n 40 "$work/bao.log" >&2 || true; fi
  exit 1
}

free_port() { # a loopback port that is free, and whose successor is too (OpenBao's cluster port)
  python3 - <<'EOF'
import random, socket
for _ in range(200):
    port = random.randint(20000, 60000)
    try:
        for p in (port, port + 1):
            s = socket.socket(); s.bind(("127.0.0.1", p)); s.close()
    except OSError:
        continue
    print(port); break
EOF
}

# --- Redis -----------------------------------------------------------------
redis_port=$(free_port)
ops_pass="ops-$RANDOM$RANDOM"
redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no \
  --requirepass "$ops_pass" --dir "$work" --logfile "$work/redis.log" &
pids+=($!)
rcli() { timeout 10 redis-cli -p "$redis_port" --no-auth-warning "$@"; }
ops() { rcli --user default --pass "$ops_pass" "$@"; }
for _ in $(seq 100); do [[ "$(ops PING 2>/dev/null)" == PONG ]] && break; sleep 0.1; done
[[ "$(ops PING 2>/dev/null)" == PONG ]] || fail "redis-server did not answer on 127.0.0.1:$redis_port"
ok "redis-server $(redis-server --version | awk '{print $3}') on 127.0.0.1:$redis_port"

# AUTH as a user: prints OK, or WRONGPASS ...
auth() { rcli AUTH "$1" "$2" 2>&1 | head -n 1; }
user_exists() { ops ACL USERS | grep -qxF -- "$1"; }
must_auth() { [[ "$(auth "$1" "$2")" == OK ]] || fail "$3: $1 cannot AUTH: $(auth "$1" "$2")"; }
must_not_auth() { [[ "$(auth "$1" "$2")" == WRONGPASS* ]] || fail "$3: $1 still AUTHs with that password"; }

# --- OpenBao ---------------------------------------------------------------
mkdir "$work/plugins"
plugins=(reference-database mutant-db-delete-leaves-user mutant-db-update-keeps-password
  mutant-db-empty-username mutant-db-wrong-type)
third_party=vault-plugin-database-redis
if [[ -x "$bin/$third_party" ]]; then plugins+=("$third_party"); else third_party=""; fi
for p in "${plugins[@]}"; do
  [[ -x "$bin/$p" ]] || fail "$bin/$p missing: run plugins_under_test/build"
  cp "$bin/$p" "$work/plugins/"
done
printf 'plugin_directory = "%s"\n' "$work/plugins" >"$work/config.hcl"
bao_port=$(free_port)
addr="http://127.0.0.1:$bao_port"
HOME="$work" bao server -dev -dev-root-token-id=root -dev-listen-address="127.0.0.1:$bao_port" \
  -dev-no-store-token -config="$work/config.hcl" -log-level=debug >"$work/bao.log" 2>&1 &
pids+=($!)
for _ in $(seq 300); do
  curl -fsS --max-time 2 "$addr/v1/sys/health" >/dev/null 2>&1 && break
  sleep 0.1
done
curl -fsS --max-time 2 "$addr/v1/sys/health" >/dev/null || fail "bao did not answer on $addr"
ok "$(bao version | awk '{print $1, $2}') on $addr"

# api METHOD PATH [JSON]: the response body on stdout, the HTTP status in $work/status.
api() {
  curl -sS --max-time 60 -o "$work/body" -w '%{http_code}' -X "$1" -H 'X-Vault-Token: root' \
    ${3:+-H 'Content-Type: application/json' --data "$3"} "$addr/v1/$2" >"$work/status"
  cat "$work/body"
}
status() { cat "$work/status"; }
# must METHOD PATH [JSON]: like api, failing the run unless the status is 2xx.
must() {
  local body
  body="$(api "$@")"
  [[ "$(status)" == 2* ]] || fail "$1 $2 -> $(status) $body"
  printf '%s' "$body"
}

must POST sys/mounts/database '{"type":"database"}' >/dev/null
ok "database secrets engine at database/"

register() { # plugin-name
  local sha
  sha="$(sha256sum "$work/plugins/$1" | cut -d' ' -f1)"
  must PUT "sys/plugins/catalog/database/$1" "$(jq -nc --arg s "$sha" --arg c "$1" '{sha256: $s, command: $c}')" >/dev/null
}

configure() { # config-name plugin-name admin-user admin-password
  must PUT "database/config/$1" "$(jq -nc --arg p "$2" --argjson port "$redis_port" --arg u "$3" --arg w "$4" \
    --arg n "$1" '{plugin_name: $p, host: "127.0.0.1", port: $port, username: $u, password: $w,
                   allowed_roles: [($n + "-dyn"), ($n + "-static")]}')" >/dev/null
}

# The full life of one plugin: register, configure, dynamic and static roles, rotate-root.
exercise() { # config-name plugin-name expected-type expected-version creation-statement
  local name="$1" plugin="$2" type="$3" version="$4" statement="$5"
  local admin="admin-$name" admin_pass="adm-$RANDOM$RANDOM" static="static-$name" static_pass="st-$RANDOM$RANDOM"
  echo "--- $plugin"
  ops ACL SETUSER "$admin" on ">$admin_pass" '~*' '&*' '+@all' >/dev/null
  ops ACL SETUSER "$static" on ">$static_pass" '~*' '+@read' >/dev/null
  register "$plugin"
  ok "registered database/$plugin"
  configure "$name" "$plugin" "$admin" "$admin_pass"
  local config
  config="$(must GET "database/config/$name")"
  [[ "$(jq -r '.data.plugin_version' <<<"$config")" == "$version" ]] ||
    fail "database/config/$name plugin_version is $(jq -c .data.plugin_version <<<"$config"), not \"$version\""
  [[ "$(jq -r '.data.connection_details | has("password")' <<<"$config")" == false ]] ||
    fail "database/config/$name shows the password"
  grep -q "$plugin: using plugin: version=" "$work/bao.log" || fail "no negotiated protocol version in the log"
  grep -q "got database plugin instance: type=$type\$" "$work/bao.log" || fail "Type() is not $type"
  ok "configured database/config/$name: plugin_version \"$version\", $(grep -o "$plugin: using plugin: version=[0-9]*" "$work/bao.log" | tail -n1 | sed 's/.*: //') (go-plugin protocol), type=$type"

  must PUT "database/roles/$name-dyn" "$(jq -nc --arg n "$name" --arg s "$statement" \
    '{db_name: $n, creation_statements: [$s], default_ttl: "1h", max_ttl: "2h"}')" >/dev/null
  local creds user pass lease
  creds="$(must GET "database/creds/$name-dyn")"
  user="$(jq -r .data.username <<<"$creds")" pass="$(jq -r .data.password <<<"$creds")" lease="$(jq -r .lease_id <<<"$creds")"
  [[ "$(jq -r .renewable <<<"$creds")" == true && "$(jq -r .lease_duration <<<"$creds")" == 3600 ]] ||
    fail "creds lease: $(jq -c '{renewable, lease_duration}' <<<"$creds")"
  must_auth "$user" "$pass" "dynamic creds"
  ok "database/creds/$name-dyn -> $user (AUTH OK, lease 3600 s)"
  local renewed
  renewed="$(must PUT sys/leases/renew "$(jq -nc --arg l "$lease" '{lease_id: $l, increment: 1800}')")"
  [[ "$(jq -r .lease_duration <<<"$renewed")" == 1800 ]] || fail "renew: $renewed"
  must_auth "$user" "$pass" "renewed creds"
  ok "renewed to 1800 s"
  must PUT sys/leases/revoke "$(jq -nc --arg l "$lease" '{lease_id: $l}')" >/dev/null
  must_not_auth "$user" "$pass" "revoked creds"
  ! user_exists "$user" || fail "revoked user $user still in ACL USERS"
  ok "revoked: AUTH refused, user gone"

  must PUT "database/static-roles/$name-static" "$(jq -nc --arg n "$name" --arg u "$static" \
    '{db_name: $n, username: $u, rotation_period: "1h"}')" >/dev/null
  local p1 p2
  p1="$(must GET "database/static-creds/$name-static" | jq -r .data.password)"
  must_not_auth "$static" "$static_pass" "static role creation"
  must_auth "$static" "$p1" "static creds"
  ok "static role on $static: rotated at creation, the old password refused, the new one works"
  must PUT "database/rotate-role/$name-static" >/dev/null
  p2="$(must GET "database/static-creds/$name-static" | jq -r .data.password)"
  [[ "$p1" != "$p2" ]] || fail "rotate-role left the password"
  must_not_auth "$static" "$p1" "rotate-role"
  must_auth "$static" "$p2" "rotate-role"
  ok "rotate-role: the old password refused, the new one works"

  local hash_before
  hash_before="$(ops ACL GETUSER "$admin" | sed -n '/^passwords$/{n;p}')"
  must PUT "database/rotate-root/$name" >/dev/null
  must_not_auth "$admin" "$admin_pass" "rotate-root"
  [[ "$(ops ACL GETUSER "$admin" | sed -n '/^passwords$/{n;p}')" != "$hash_before" ]] || fail "rotate-root left the hash"
  # The server keeps the new root password to itself: it works if the plugin (re-initialized
  # from the stored configuration, with a connection check) can still issue and revoke.
  creds="$(must GET "database/creds/$name-dyn")"
  user="$(jq -r .data.username <<<"$creds")"
  must_auth "$user" "$(jq -r .data.password <<<"$creds")" "creds after rotate-root"
  must PUT sys/leases/revoke "$(jq -nc --arg l "$(jq -r .lease_id <<<"$creds")" '{lease_id: $l}')" >/dev/null
  ! user_exists "$user" || fail "after rotate-root: revoked user $user still there"
  ok "rotate-root: the old root password refused, the stored new one issues and revokes"
}

exercise ref reference-database reference-redis v0.1.0 '["~*", "+@read"]'
if [[ -n "$third_party" ]]; then
  exercise tp "$third_party" redis "" '["~*", "+@read"]'
else
  echo "skip  vault-plugin-database-redis: not in $bin"
fi

# --- Mutants: each one's defect, seen through the server -------------------
mutant() { # config-name: sets up users, registration, configuration and a dynamic role
  local name="$1"
  echo "--- mutant-$name"
  M_ADMIN="admin-$name" M_ADMIN_PASS="adm-$RANDOM$RANDOM"
  ops ACL SETUSER "$M_ADMIN" on ">$M_ADMIN_PASS" '~*' '&*' '+@all' >/dev/null
  register "mutant-$name"
  configure "$name" "mutant-$name" "$M_ADMIN" "$M_ADMIN_PASS"
  must PUT "database/roles/$name-dyn" "$(jq -nc --arg n "$name" '{db_name: $n}')" >/dev/null
}

mutant db-delete-leaves-user
creds="$(must GET database/creds/db-delete-leaves-user-dyn)"
user="$(jq -r .data.username <<<"$creds")" pass="$(jq -r .data.password <<<"$creds")"
must PUT sys/leases/revoke "$(jq -nc --arg l "$(jq -r .lease_id <<<"$creds")" '{lease_id: $l}')" >/dev/null
[[ "$(auth "$user" "$pass")" == OK ]] && user_exists "$user" || fail "mutant-db-delete-leaves-user: the user is gone"
ok "defect: revoke answers 204, yet $user still AUTHs and is in ACL USERS"

mutant db-update-keeps-password
ops ACL SETUSER static-db-update-keeps-password on '>initial-pass' '~*' '+@read' >/dev/null
must PUT database/static-roles/db-update-keeps-password-static \
  '{"db_name": "db-update-keeps-password", "username": "static-db-update-keeps-password", "rotation_period": "1h"}' >/dev/null
p1="$(must GET database/static-creds/db-update-keeps-password-static | jq -r .data.password)"
[[ "$(auth static-db-update-keeps-password initial-pass)" == OK && "$(auth static-db-update-keeps-password "$p1")" == WRONGPASS* ]] ||
  fail "mutant-db-update-keeps-password: the static password changed"
must PUT database/rotate-role/db-update-keeps-password-static >/dev/null
p2="$(must GET database/static-creds/db-update-keeps-password-static | jq -r .data.password)"
[[ "$(auth static-db-update-keeps-password "$p2")" == WRONGPASS* ]] || fail "mutant-db-update-keeps-password: rotate-role worked"
ok "defect: static-creds returns a password Redis refuses (the initial one still works), also after rotate-role"
must PUT database/rotate-root/db-update-keeps-password >/dev/null
[[ "$(auth "$M_ADMIN" "$M_ADMIN_PASS")" == OK ]] || fail "mutant-db-update-keeps-password: rotate-root changed the password"
body="$(api GET database/creds/db-update-keeps-password-dyn)"
[[ "$(status)" == 500 && "$body" == *WRONGPASS* ]] || fail "mutant-db-update-keeps-password: creds after rotate-root -> $(status) $body"
ok "defect: rotate-root answers 204, the old root password still works, then creds -> 500 $(jq -r '.errors[0]' <<<"$body" | tr '\n\t' '  ' | cut -c1-150)"

mutant db-empty-username
before="$(ops ACL USERS | sort)"
creds="$(must GET database/creds/db-empty-username-dyn)"
created="$(comm -13 <(echo "$before") <(ops ACL USERS | sort))"
[[ "$(jq -r .data.username <<<"$creds")" == "" && -n "$created" ]] || fail "mutant-db-empty-username: $(jq -c .data <<<"$creds")"
body="$(api PUT sys/leases/revoke "$(jq -nc --arg l "$(jq -r .lease_id <<<"$creds")" '{lease_id: $l}')")"
[[ "$(status)" == 400 ]] && user_exists "$created" || fail "mutant-db-empty-username: revoke -> $(status) $body"
ok "defect: creds username \"\" (Redis got $created); revoke -> 400 $(jq -r '.errors[0]' <<<"$body"); the user stays"

mutant db-wrong-type
must GET database/creds/db-wrong-type-dyn >/dev/null
grep -q 'mutant-db-wrong-type: using plugin' "$work/bao.log" &&
  grep -q 'got database plugin instance: type=""$' "$work/bao.log" || fail "mutant-db-wrong-type: no empty type in the log"
# The metrics middleware names its series database.<type>.<operation>: an empty type leaves "__".
metrics="$(curl -sS --max-time 10 -H 'X-Vault-Token: root' "$addr/v1/sys/metrics?format=prometheus" |
  grep -o '^vault_database__NewUser_count [0-9]*' || true)"
[[ -n "$metrics" ]] || fail "mutant-db-wrong-type: no vault_database__NewUser series"
ok "defect: OpenBao takes Type() \"\" without complaint; only the debug log (type=\"\") and the metric series ($metrics) show it"

echo "all done"
