#!/usr/bin/env bash
# Runs a command with a throwaway PostgreSQL server beside it:
#
#   scripts/pgtest.sh go test ./internal/store/...
#
# Installs PostgreSQL (Debian's package) if initdb/pg_ctl are missing,
# creates a cluster in a temporary directory, starts it on a free loopback
# port (127.0.0.1 only, socket in the temporary directory, trust
# authentication: for local tests, never for anything else), exports
# VIGIL_TEST_POSTGRES=postgres://postgres@127.0.0.1:PORT/postgres?sslmode=disable,
# runs the command, then stops the server and removes the directory,
# whether the command passed, failed or was interrupted. Exits with the
# command's status.
#
# With VIGIL_PGTEST_DIR set to a directory, the cluster lives there and is
# kept (stopped, not removed) after the command: a benchmark store that
# takes many minutes to build (BenchmarkFuseAttach's 1M, with
# VIGIL_BENCH_FUSE_DB) is then built once and reused by later runs.
# VIGIL_PGTEST_OPTS adds server options, e.g.
# "-c shared_preload_libraries=pg_stat_statements" to profile statements.
set -euo pipefail

if [ "$#" -eq 0 ]; then
	echo "usage: scripts/pgtest.sh COMMAND [ARG...]" >&2
	exit 2
fi

log() { echo "pgtest: $*" >&2; }

# pg_bindir prints the newest installed PostgreSQL's bin directory.
pg_bindir() {
	local d best="" bestv=0 v
	for d in /usr/lib/postgresql/*/bin; do
		[ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] || continue
		v=$(basename "$(dirname "$d")")
		v=${v%%.*}
		if [[ "$v" =~ ^[0-9]+$ ]] && [ "$v" -gt "$bestv" ]; then
			best=$d bestv=$v
		fi
	done
	if [ -n "$best" ]; then
		echo "$best"
		return 0
	fi
	# Elsewhere than Debian: initdb and pg_ctl on PATH.
	if command -v initdb >/dev/null && command -v pg_ctl >/dev/null; then
		dirname "$(command -v initdb)"
		return 0
	fi
	return 1
}

if ! bindir=$(pg_bindir); then
	log "PostgreSQL not found: installing it (apt-get install postgresql)"
	if [ "$(id -u)" -ne 0 ]; then
		log "need root to install PostgreSQL; install it yourself (apt-get install postgresql) and retry"
		exit 1
	fi
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >&2
	apt-get install -y -qq postgresql >&2
	bindir=$(pg_bindir) || { log "PostgreSQL installed but initdb/pg_ctl not found"; exit 1; }
fi

# free_port prints a loopback TCP port that nothing listens on.
free_port() {
	if command -v python3 >/dev/null; then
		python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
		return
	fi
	local p
	for _ in $(seq 1 200); do
		p=$((20000 + RANDOM % 40000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return
		fi
	done
	return 1
}

# Under /tmp, which the postgres user can reach when root hands it over.
tmp=$(mktemp -d /tmp/vigil-pgtest.XXXXXX)
data=$tmp/data
keep=0
if [ -n "${VIGIL_PGTEST_DIR:-}" ]; then
	mkdir -p "$VIGIL_PGTEST_DIR"
	data=$(cd "$VIGIL_PGTEST_DIR" && pwd)/data
	keep=1
fi
started=0

# as_owner runs a PostgreSQL tool as the owner of the cluster: initdb
# refuses to run as root, so root hands the cluster to the postgres user.
if [ "$(id -u)" -eq 0 ]; then
	id postgres >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin postgres
	chown postgres: "$tmp"
	chmod 700 "$tmp"
	if [ "$keep" -eq 1 ]; then
		chown postgres: "$VIGIL_PGTEST_DIR"
		chmod 700 "$VIGIL_PGTEST_DIR"
	fi
	as_owner() { runuser -u postgres -- "$@"; }
else
	as_owner() { "$@"; }
fi

cleanup() {
	local status=$?
	trap - EXIT INT TERM
	if [ "$started" -eq 1 ]; then
		# A kept cluster is shut down cleanly: the next run starts without recovery.
		mode=immediate
		[ "$keep" -eq 1 ] && mode=fast
		as_owner "$bindir/pg_ctl" -D "$data" -m "$mode" -w stop >/dev/null 2>&1 || true
	fi
	rm -rf "$tmp"
	exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [ "$keep" -eq 1 ] && [ -f "$data/PG_VERSION" ]; then
	log "reusing the cluster in $data"
else
	as_owner "$bindir/initdb" -D "$data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$tmp/initdb.log" 2>&1 ||
		as_owner "$bindir/initdb" -D "$data" -U postgres --auth=trust --encoding=UTF8 --no-locale >"$tmp/initdb.log" 2>&1 || {
		cat "$tmp/initdb.log" >&2
		log "initdb failed"
		exit 1
	}
fi

port=$(free_port) || { log "no free port found"; exit 1; }
# Durability settings off: the cluster lives for one test run.
opts="-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$tmp"
opts+=" -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
opts+=" ${VIGIL_PGTEST_OPTS:-}"
if ! as_owner "$bindir/pg_ctl" -D "$data" -l "$tmp/server.log" -o "$opts" -w -t 60 start >/dev/null; then
	cat "$tmp/server.log" >&2 || true
	log "server did not start"
	exit 1
fi
started=1

for _ in $(seq 1 60); do
	if "$bindir/pg_isready" -q -h 127.0.0.1 -p "$port" -U postgres; then
		break
	fi
	sleep 0.5
done
"$bindir/pg_isready" -q -h 127.0.0.1 -p "$port" -U postgres || { log "server not ready"; exit 1; }

export VIGIL_TEST_POSTGRES="postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
log "PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on 127.0.0.1:$port"

# In the foreground, so that Ctrl-C reaches the command too; the EXIT
# trap then stops the server and passes the command's status on.
set +e
"$@"
status=$?
set -e
exit "$status"
