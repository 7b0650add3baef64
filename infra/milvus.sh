#!/usr/bin/env bash
# Local Milvus server for integration tests: start | stop | status.
#
# The server is the standalone Milvus (embedded etcd, rocksmq and local storage) shipped inside
# the PyPI "milvus" package, pinned in infra/milvus-requirements.txt.
#
# Milvus 2.3 has no setting for the address its gRPC servers listen on: the proxy, every
# coordinator and node, and the metrics/health HTTP server all listen on every interface
# (milvus-io/milvus#26538; only embedded etcd uses localhost). So the launcher below runs the
# server inside a private network namespace whose only interface is loopback, and forwards
# 127.0.0.1:$MILVUS_PORT (gRPC) and 127.0.0.1:$MILVUS_HTTP_PORT (/healthz) on this machine into
# it. Nothing Milvus opens is reachable from another address, and its components register
# 127.0.0.1 with each other because no other address exists inside.
set -euo pipefail

usage() {
  cat <<USAGE
usage: infra/milvus.sh start|stop|status|--help

  start   Creates .cache/milvus-venv once (from infra/milvus-requirements.txt, needs PyPI), then
          starts Milvus in the background with a fresh data directory, waits until /healthz
          says OK and prints the gRPC URI (http://127.0.0.1:PORT) on the last stdout line.
          If it is already running and healthy, only prints the URI.
  stop    Stops the server this script started (recorded pid and its process group), waits for
          it to exit and removes its pid file and data directory. Exit 0 if nothing ran.
  status  Prints whether it runs; while it does, the URI is the last stdout line. Exit 0
          when running and healthy, 1 when running but not (yet) healthy, 3 when stopped.

Environment:
  MILVUS_PORT            gRPC port on 127.0.0.1 (default 19530)
  MILVUS_HTTP_PORT       health/metrics port on 127.0.0.1 (default 9091)
  MILVUS_DATA_DIR        data directory to use as is and keep (default: a new directory under
                         .cache/milvus-data, removed by stop and by the next start)
  MILVUS_KEEP_DATA=1     stop keeps the default data directory (removed by the next start)
  MILVUS_START_TIMEOUT   seconds to wait for health (default 180)
  MILVUS_STOP_GRACE      seconds stop waits after SIGTERM before SIGKILL (default 5)
  MILVUS_INSTANCE        a name (a-z, 0-9, -) for a second server beside the default one, with
                         files of its own (.cache/milvus-NAME.pid, ...): what a test that stops
                         and restarts its server uses, so it never touches anybody else's
  PYTHON                 interpreter used to create the venv (default python3, >= 3.8)

Files: .cache/milvus.pid (launcher pid = process group), .cache/milvus.log (launcher and
Milvus stdout/stderr; Milvus' own log files are under DATA_DIR/logs), .cache/milvus.state.
Linux only: needs network namespaces (root, or unprivileged user namespaces).
USAGE
}

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="$root/.cache"
venv="$cache/milvus-venv"
req="$root/infra/milvus-requirements.txt"
instance="${MILVUS_INSTANCE:-}"
[[ -z "$instance" || "$instance" =~ ^[a-z0-9-]{1,32}$ ]] \
  || { echo "milvus: MILVUS_INSTANCE=$instance must be 1-32 of a-z, 0-9 and -" >&2; exit 2; }
suffix="${instance:+-$instance}"
pid_file="$cache/milvus$suffix.pid"
log_file="$cache/milvus$suffix.log"
state_file="$cache/milvus$suffix.state"
lock_file="$cache/milvus$suffix.lock"
launcher="$cache/milvus-launcher$suffix.py"
data_root="$cache/milvus-data$suffix"

say() { echo "milvus: $*" >&2; }
die() { say "$*"; exit 1; }

check_port() { # name value
  [[ "$2" =~ ^[0-9]+$ ]] && (( $2 >= 1 && $2 <= 65535 )) || die "$1=$2 is not a TCP port number"
}

lock() {
  mkdir -p "$cache"
  exec 9>"$lock_file"
  flock -w 600 9 || die "another infra/milvus.sh is still running (lock $lock_file)"
}

# The recorded pid counts only while it is still our launcher leading its own process group, so
# a recycled pid is never signalled.
recorded_pid() {
  [[ -f "$pid_file" ]] || return 1
  local pid stat rest
  pid="$(cat "$pid_file" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  stat="$(cat "/proc/$pid/stat" 2>/dev/null)" || return 1
  rest="${stat##*) }"
  set -- $rest
  [[ "$1" != Z && "$3" == "$pid" ]] || return 1
  tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -q "milvus-launcher" || return 1
  echo "$pid"
}

pid_alive() {
  local stat rest
  stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
  rest="${stat##*) }"
  [[ "${rest:0:1}" != Z ]]
}

# Live (non-zombie) members of a process group; the Milvus binary can outlive the launcher.
group_alive() {
  local pgid="$1" f stat rest
  for f in /proc/[0-9]*/stat; do
    stat="$(cat "$f" 2>/dev/null)" || continue
    rest="${stat##*) }"
    set -- $rest
    [[ "$3" == "$pgid" && "$1" != Z ]] && return 0
  done
  return 1
}

state_get() { # key
  [[ -f "$state_file" ]] && sed -n "s/^$1=//p" "$state_file" | tail -n 1
}

health_ok() { # http_port
  local url="http://127.0.0.1:$1/healthz" body
  if command -v curl >/dev/null; then
    body="$(curl -fsS -m 3 "$url" 2>/dev/null)" || return 1
  else
    body="$("$venv/bin/python" -c 'import sys,urllib.request as u
print(u.urlopen(sys.argv[1], timeout=3).read().decode())' "$url" 2>/dev/null)" || return 1
  fi
  [[ "$body" == *OK* ]]
}

ensure_venv() {
  local stamp="$venv/.requirements.sha256" want py="${PYTHON:-python3}"
  want="$(sha256sum "$req" | cut -d' ' -f1)"
  if [[ -x "$venv/bin/python" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
    return
  fi
  # Every instance shares the venv: one creates it while the others wait.
  exec 8>"$cache/milvus-venv.lock"
  flock -w 600 8 || die "another infra/milvus.sh is still creating $venv"
  if [[ -x "$venv/bin/python" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
    exec 8>&-
    return
  fi
  command -v "$py" >/dev/null || die "$py not found: install Python 3 (with venv) or set PYTHON"
  say "creating $venv from $req (one time, ~60 MB download)"
  rm -rf "$venv"
  "$py" -m venv "$venv" || die "could not create a venv with $py: install python3-venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check --require-hashes -r "$req" >&2 \
    || die "pip install -r $req failed: PyPI must be reachable"
  # The package unpacks its LZMA-compressed binaries into every data directory it starts in;
  # unpacking once here and linking DATA_DIR/bin to it saves ~250 MB and seconds per start.
  "$venv/bin/python" -c 'import sys, milvus; milvus._initialize_data_files(sys.argv[1])' \
    "$venv/milvus-home" || die "could not unpack the Milvus binaries into $venv/milvus-home"
  echo "$want" > "$stamp"
  exec 8>&-
}

write_launcher() {
  cat > "$launcher" <<'PY'
# Written by infra/milvus.sh on every start; edit it there.
"""Runs Milvus standalone in a private network namespace and forwards two loopback ports to it."""
import ctypes
import fcntl
import os
import signal
import socket
import struct
import subprocess
import sys
import threading
import time

CLONE_NEWNET = 0x40000000
CLONE_NEWUSER = 0x10000000
PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36
SIOCGIFFLAGS, SIOCSIFFLAGS, IFF_UP = 0x8913, 0x8914, 0x1
INNER_GRPC, INNER_HTTP = 19530, 9091  # free by construction: the namespace is new
STOP_GRACE_S = 60  # infra/milvus.sh stop escalates to SIGKILL much earlier

libc = ctypes.CDLL(None, use_errno=True)


def log(msg):
    print(time.strftime('%Y-%m-%d %H:%M:%S'), 'milvus-launcher:', msg, flush=True)


def listen_loopback(port, env_name):
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(('127.0.0.1', port))
    except OSError as ex:
        log(f'port {port} in use ({ex.strerror}): set {env_name} to a free port')
        sys.exit(98)
    sock.listen(128)
    return sock


def enter_private_network():
    if libc.unshare(CLONE_NEWNET) == 0:
        return 'network namespace'
    first = os.strerror(ctypes.get_errno())
    # Without CAP_SYS_ADMIN a new user namespace grants the capabilities over a new network
    # namespace; ids map to themselves so files stay owned by the caller.
    uid, gid = os.getuid(), os.getgid()
    if libc.unshare(CLONE_NEWUSER | CLONE_NEWNET) != 0:
        log(f'cannot create a network namespace (unshare: {first}; with a user namespace: '
            f'{os.strerror(ctypes.get_errno())}). Run as root or enable unprivileged user '
            'namespaces (sysctl kernel.unprivileged_userns_clone=1)')
        sys.exit(97)
    for path, text in (('/proc/self/setgroups', 'deny'), ('/proc/self/uid_map', f'{uid} {uid} 1'),
                       ('/proc/self/gid_map', f'{gid} {gid} 1')):
        with open(path, 'w', encoding='ascii') as out:
            out.write(text)
    return 'user + network namespace'


def loopback_up():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        req = struct.pack('16sh22x', b'lo', 0)
        flags = struct.unpack('16sh', fcntl.ioctl(sock, SIOCGIFFLAGS, req)[:18])[1]
        fcntl.ioctl(sock, SIOCSIFFLAGS, struct.pack('16sh22x', b'lo', flags | IFF_UP))


def pump(src, dst):
    try:
        while True:
            data = src.recv(1 << 17)
            if not data:
                break
            dst.sendall(data)
        dst.shutdown(socket.SHUT_WR)
    except OSError:
        # One side broke: closing both unblocks the opposite pump.
        for sock in (src, dst):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def bridge(client, inner_port):
    try:
        upstream = socket.create_connection(('127.0.0.1', inner_port), timeout=5)
    except OSError:
        client.close()
        return
    upstream.settimeout(None)
    for sock in (client, upstream):
        # gRPC sends small frames and waits for replies: Nagle would add delayed-ACK stalls.
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    back = threading.Thread(target=pump, args=(upstream, client), daemon=True)
    back.start()
    pump(client, upstream)
    back.join()
    client.close()
    upstream.close()


def serve(listener, inner_port):
    while True:
        try:
            client, _ = listener.accept()
        except OSError:
            return
        threading.Thread(target=bridge, args=(client, inner_port), daemon=True).start()


def main():
    port, http_port, data_dir = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    try:
        os.setsid()
    except OSError:
        pass  # already a group leader
    libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    # Bound before leaving the host namespace: these two stay reachable on the host's loopback.
    grpc_listener = listen_loopback(port, 'MILVUS_PORT')
    http_listener = listen_loopback(http_port, 'MILVUS_HTTP_PORT')
    how = enter_private_network()
    loopback_up()
    log(f'isolated in a {how}; forwarding 127.0.0.1:{port} -> {INNER_GRPC} (gRPC) and '
        f'127.0.0.1:{http_port} -> {INNER_HTTP} (health/metrics)')

    import milvus  # the venv's package renders milvus.yaml from its template
    config = milvus.MilvusServerConfig(data_dir=data_dir, proxy_port=INNER_GRPC)
    config.resolve()
    bin_dir = os.path.join(data_dir, 'bin')
    if not os.path.isfile(os.path.join(bin_dir, 'milvus')):
        milvus._initialize_data_files(data_dir)
    env = dict(os.environ, DEPLOY_MODE='STANDALONE', METRICS_PORT=str(INNER_HTTP),
               MILVUS_RUN_DIR=os.path.join(data_dir, 'run'),
               LD_LIBRARY_PATH=':'.join(filter(None, [bin_dir, os.environ.get('LD_LIBRARY_PATH')])))
    log(f'milvus {milvus.__version__}: data {data_dir}, config {data_dir}/configs/milvus.yaml')
    proc = subprocess.Popen(
        [os.path.join(bin_dir, 'milvus'), 'run', 'standalone'], cwd=data_dir, env=env,
        stdin=subprocess.DEVNULL,
        preexec_fn=lambda: libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0))
    log(f'milvus pid {proc.pid}')

    stopping = threading.Event()

    def on_signal(signum, _frame):
        if not stopping.is_set():
            stopping.set()
            log(f'signal {signum}: stopping milvus')
            proc.send_signal(signal.SIGTERM)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)

    for listener, inner in ((grpc_listener, INNER_GRPC), (http_listener, INNER_HTTP)):
        threading.Thread(target=serve, args=(listener, inner), daemon=True).start()

    while proc.poll() is None:
        if stopping.wait(0.5):
            deadline = time.monotonic() + STOP_GRACE_S
            while proc.poll() is None and time.monotonic() < deadline:
                time.sleep(0.2)
            if proc.poll() is None:
                log(f'milvus still running {STOP_GRACE_S} s after SIGTERM: SIGKILL')
                proc.kill()
            break
    code = proc.wait()
    log(f'milvus exited with {code}')
    while True:  # reap whatever Milvus left behind (we are its subreaper)
        try:
            os.waitpid(-1, 0)
        except ChildProcessError:
            break
    sys.exit(0 if stopping.is_set() else (code or 1))


if __name__ == '__main__':
    main()
PY
}

print_uri_of_running() { # pid
  local port http_port
  port="$(state_get port)"
  http_port="$(state_get http_port)"
  if [[ -n "${MILVUS_PORT:-}" && "${MILVUS_PORT}" != "$port" ]]; then
    say "note: already running on port $port (pid $1), not on MILVUS_PORT=$MILVUS_PORT"
  fi
  echo "http://127.0.0.1:$port"
}

wait_healthy() { # pid http_port timeout_s started_by_us
  local pid="$1" http_port="$2" timeout="$3" ours="$4" start=$SECONDS rc
  printf 'milvus: waiting for http://127.0.0.1:%s/healthz ' "$http_port" >&2
  while :; do
    if health_ok "$http_port"; then
      printf ' healthy after %d s\n' $((SECONDS - start)) >&2
      return 0
    fi
    # The launcher leads its group only once it has called setsid(), so check it directly too.
    if ! pid_alive "$pid" && ! group_alive "$pid"; then
      printf '\n' >&2
      rc=0
      [[ "$ours" == 1 ]] && { wait "$pid" || rc=$?; }
      return $(( rc == 0 ? 2 : rc ))
    fi
    if (( SECONDS - start >= timeout )); then
      printf '\n' >&2
      return 124
    fi
    printf '.' >&2
    sleep 1
  done
}

log_tail() {
  say "last lines of $log_file:"
  tail -n 25 "$log_file" >&2 || true
}

cmd_start() {
  lock
  local pid port http_port timeout data_dir auto_data rc t0
  timeout="${MILVUS_START_TIMEOUT:-180}"
  [[ "$timeout" =~ ^[0-9]+$ ]] || die "MILVUS_START_TIMEOUT=$timeout is not a number of seconds"
  if pid="$(recorded_pid)"; then
    if health_ok "$(state_get http_port)"; then
      print_uri_of_running "$pid"
      return 0
    fi
    say "running (pid $pid) but not healthy yet"
    rc=0
    wait_healthy "$pid" "$(state_get http_port)" "$timeout" 0 || rc=$?
    (( rc == 0 )) || { log_tail; die "pid $pid is not healthy: run infra/milvus.sh stop, then start"; }
    print_uri_of_running "$pid"
    return 0
  fi
  rm -f "$pid_file" "$state_file"

  port="${MILVUS_PORT:-19530}"
  http_port="${MILVUS_HTTP_PORT:-9091}"
  check_port MILVUS_PORT "$port"
  check_port MILVUS_HTTP_PORT "$http_port"
  [[ "$port" != "$http_port" ]] || die "MILVUS_PORT and MILVUS_HTTP_PORT must differ"
  [[ "$(uname -s)" == Linux ]] || die "needs Linux network namespaces (found $(uname -s))"

  ensure_venv
  # Nothing runs now (checked under the lock), so earlier default data directories are unused.
  rm -rf "$data_root"
  if [[ -n "${MILVUS_DATA_DIR:-}" ]]; then
    data_dir="$(mkdir -p "$MILVUS_DATA_DIR" && cd "$MILVUS_DATA_DIR" && pwd)"
    auto_data=0
  else
    data_dir="$data_root/$(date +%Y%m%d-%H%M%S)-$$"
    mkdir -p "$data_dir"
    auto_data=1
  fi
  [[ -e "$data_dir/bin" ]] || ln -s "$venv/milvus-home/bin" "$data_dir/bin"
  write_launcher

  : > "$log_file"
  t0=$SECONDS
  # fd 9 (the lock) must not leak into the server, or it would hold the lock while it runs.
  "$venv/bin/python" "$launcher" "$port" "$http_port" "$data_dir" \
    < /dev/null >> "$log_file" 2>&1 9>&- &
  pid=$!
  echo "$pid" > "$pid_file"
  {
    echo "port=$port"
    echo "http_port=$http_port"
    echo "data_dir=$data_dir"
    echo "auto_data=$auto_data"
    echo "log=$log_file"
    echo "started=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  } > "$state_file"
  say "started pid $pid (log $log_file, data $data_dir)"

  rc=0
  wait_healthy "$pid" "$http_port" "$timeout" 1 || rc=$?
  if (( rc != 0 )); then
    case "$rc" in
      98) say "a port is in use: set MILVUS_PORT / MILVUS_HTTP_PORT (now $port / $http_port)";;
      97) say "cannot isolate Milvus in a network namespace (see the log line below)";;
      124) say "not healthy after $timeout s: raise MILVUS_START_TIMEOUT or read the log";;
      *) say "the server exited during startup (status $rc)";;
    esac
    log_tail
    stop_pid "$pid"
    rm -f "$pid_file" "$state_file"
    [[ "$auto_data" == 1 ]] && rm -rf "$data_dir"
    exit 1
  fi
  echo "startup_s=$((SECONDS - t0))" >> "$state_file"
  echo "http://127.0.0.1:$port"
}

stop_pid() { # pid
  local pid="$1" grace="${MILVUS_STOP_GRACE:-5}" start=$SECONDS
  [[ "$grace" =~ ^[0-9]+$ ]] || die "MILVUS_STOP_GRACE=$grace is not a number of seconds"
  # The launcher forwards SIGTERM to Milvus. An idle 2.3 server stops in about a second, but
  # one with loaded collections stalls in QueryCoord's shutdown for 20 s and more; the data is
  # durable without it (flushed segments plus the rocksmq log), so the wait is short.
  kill -TERM "$pid" 2>/dev/null || true
  while { pid_alive "$pid" || group_alive "$pid"; } && (( SECONDS - start < grace )); do
    sleep 0.2
  done
  if pid_alive "$pid" || group_alive "$pid"; then
    say "still running $grace s after SIGTERM: SIGKILL to process group $pid"
    kill -KILL -- "-$pid" 2>/dev/null || true
    start=$SECONDS
    while group_alive "$pid" && (( SECONDS - start < 10 )); do
      sleep 0.2
    done
    group_alive "$pid" && die "process group $pid survived SIGKILL for 10 s"
  fi
  return 0
}

cmd_stop() {
  lock
  local pid data_dir
  if ! pid="$(recorded_pid)"; then
    if [[ -f "$pid_file" ]]; then
      say "removing stale $pid_file (process $(cat "$pid_file") is gone)"
      data_dir="$(state_get data_dir)"
      [[ "$(state_get auto_data)" == 1 && -n "$data_dir" ]] && rm -rf "$data_dir"
    fi
    rm -f "$pid_file" "$state_file"
    say "not running"
    return 0
  fi
  stop_pid "$pid"
  data_dir="$(state_get data_dir)"
  if [[ "$(state_get auto_data)" == 1 && "${MILVUS_KEEP_DATA:-0}" != 1 && -n "$data_dir" ]]; then
    rm -rf "$data_dir"
  fi
  rm -f "$pid_file" "$state_file"
  say "stopped (pid $pid)"
}

cmd_status() {
  local pid port http_port
  if pid="$(recorded_pid)"; then
    port="$(state_get port)"
    http_port="$(state_get http_port)"
    if health_ok "$http_port"; then
      echo "milvus: running, healthy (pid $pid, data $(state_get data_dir), log $log_file)"
      echo "http://127.0.0.1:$port"
      return 0
    fi
    echo "milvus: running but not healthy (pid $pid; starting, or see $log_file)"
    echo "http://127.0.0.1:$port"
    return 1
  fi
  echo "milvus: stopped"
  return 3
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  -h|--help|help) usage ;;
  *) usage >&2; exit 2 ;;
esac
