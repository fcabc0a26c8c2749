#!/usr/bin/env bash
# Starts a three-node NATS JetStream cluster on loopback for trying the
# distributed mode by hand (the tests start their own, through
# internal/queue/queuetest):
#
#   scripts/nats-cluster.sh [DIR]      # DIR keeps the stores (default: a temporary directory)
#
# nats-server is built from its Go module at the version go.mod pins
# (`go build`, checked by go.sum; nothing prebuilt is downloaded). Client
# ports 4222, 4223, 4224 (NATS_PORT sets the first); it prints the URLs
# to give `vigil worker --nats` and stops the servers on Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-$(mktemp -d -t vigil-nats-XXXXXX)}
port=${NATS_PORT:-4222}
mkdir -p "$dir"
echo "nats-cluster: building nats-server (go.mod's version) into $dir"
go build -o "$dir/nats-server" github.com/nats-io/nats-server/v2
routes=""
for i in 0 1 2; do
	routes+="nats-route://127.0.0.1:$((port + 100 + i)),"
done
routes=${routes%,}
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait' EXIT INT TERM
urls=""
for i in 0 1 2; do
	mkdir -p "$dir/n$i"
	cat >"$dir/n$i/nats.conf" <<CONF
server_name: n$i
listen: 127.0.0.1:$((port + i))
jetstream { store_dir: "$dir/n$i/js" }
cluster {
  name: vigil
  listen: 127.0.0.1:$((port + 100 + i))
  routes: [${routes//,/, }]
}
CONF
	"$dir/nats-server" -c "$dir/n$i/nats.conf" >"$dir/n$i/nats.log" 2>&1 &
	pids+=($!)
	urls+="nats://127.0.0.1:$((port + i)),"
done
echo "nats-cluster: running (logs in $dir/n*/nats.log); Ctrl-C stops it"
echo "  vigil worker --nats ${urls%,} --replicas 3 --db postgres://…"
wait
