#!/usr/bin/env bash
# Starts a throwaway redis-server on 127.0.0.1 at a free port, for the queue tests.
#   eval "$(scripts/redis-test-server.sh start)"   # exports QQP_TEST_REDIS_URL and QQP_TEST_REDIS_PID
#   scripts/redis-test-server.sh stop               # stops the one started above
set -euo pipefail
case "${1:-}" in
  start)
    port=$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
    dir=$(mktemp -d)
    redis-server --bind 127.0.0.1 --port "$port" --save '' --appendonly no --dir "$dir" --daemonize no >"$dir/redis.log" 2>&1 &
    pid=$!
    for _ in $(seq 50); do
      redis-cli -h 127.0.0.1 -p "$port" ping >/dev/null 2>&1 && break
      sleep 0.1
    done
    echo "export QQP_TEST_REDIS_URL=redis://127.0.0.1:$port QQP_TEST_REDIS_PID=$pid"
    ;;
  stop)
    if [ -n "${QQP_TEST_REDIS_PID:-}" ]; then kill "$QQP_TEST_REDIS_PID" 2>/dev/null || true; fi
    ;;
  *)
    echo "usage: $0 start|stop" >&2
    exit 2
    ;;
esac
