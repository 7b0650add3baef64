#!/usr/bin/env bash
# A local Flink standalone session cluster (one JobManager + TaskManagers) on 127.0.0.1, assembled
# from jars that Maven resolves, because the Flink binary tarball cannot be downloaded here.
# Everything lives under <repo>/.cache/flink. See infra/FLINK_NOTES.md.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
FLINK_DIR="$ROOT/.cache/flink"
LIB_DIR="$FLINK_DIR/lib"
CONF_DIR="$FLINK_DIR/conf"
LOG_DIR="$FLINK_DIR/log"
RUN_DIR="$FLINK_DIR/run"
CLUSTER_POM="$ROOT/infra/flink-cluster/pom.xml"

REST_PORT="${FLINK_REST_PORT:-8081}"
RPC_PORT="${FLINK_RPC_PORT:-6123}"
SLOTS="${FLINK_SLOTS:-2}"
JM_MEMORY="${FLINK_JM_MEMORY:-1024m}"
TM_MEMORY="${FLINK_TM_MEMORY:-4096m}"
TM_TASK_OFFHEAP="${FLINK_TM_TASK_OFFHEAP:-1536m}"
START_TIMEOUT_S="${FLINK_START_TIMEOUT:-120}"

JM_CLASS=org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint
TM_CLASS=org.apache.flink.runtime.taskexecutor.TaskManagerRunner

# What Flink's own config.yaml puts in env.java.opts.all for Java 17: Flink (Kryo, the closure
# cleaner, Netty, Pekko) reflects into these JDK packages. Flink's bin/ scripts would add them;
# this script starts the JVMs itself, so it has to.
JAVA17_OPTS=(
  --add-exports=java.base/sun.net.util=ALL-UNNAMED
  --add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED
  --add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED
  --add-opens=java.base/java.lang=ALL-UNNAMED
  --add-opens=java.base/java.net=ALL-UNNAMED
  --add-opens=java.base/java.io=ALL-UNNAMED
  --add-opens=java.base/java.nio=ALL-UNNAMED
  --add-opens=java.base/sun.nio.ch=ALL-UNNAMED
  --add-opens=java.base/java.lang.reflect=ALL-UNNAMED
  --add-opens=java.base/java.text=ALL-UNNAMED
  --add-opens=java.base/java.time=ALL-UNNAMED
  --add-opens=java.base/java.util=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED
)

usage() {
  cat <<EOF
Usage: infra/flink.sh COMMAND

A local Flink standalone session cluster on 127.0.0.1 for mmel, with TensorFlow Java on the
cluster classpath (loaded parent-first). State, logs and jars live in $FLINK_DIR.

Commands:
  start              resolve the cluster jars with Maven (first time, or when
                     infra/flink-cluster/pom.xml or the versions change), write the config,
                     start a JobManager and one TaskManager, wait until the TaskManager has
                     registered, and print the REST URL on the last line. Does nothing but
                     print the URL when the cluster already runs (and starts a TaskManager
                     if none of its TaskManagers is alive).
  stop               stop the processes this script started; exit 0 also when none runs
  status             print running/stopped and the REST URL; exit 0 when running, 3 when not
  kill-taskmanager   kill -9 the newest TaskManager this script started (fault tests)
  start-taskmanager  start one more TaskManager and wait until it has registered
  --help             this text

Environment (read by start):
  FLINK_REST_PORT        REST/web UI port (default 8081)
  FLINK_RPC_PORT         JobManager RPC port (default 6123)
  FLINK_SLOTS            task slots per TaskManager (default 2)
  FLINK_JM_MEMORY        JobManager process size (default 1024m)
  FLINK_TM_MEMORY        TaskManager process size (default 4096m)
  FLINK_TM_TASK_OFFHEAP  TaskManager task off-heap budget, reserved for TensorFlow's native
                         memory (default 1536m)
  FLINK_START_TIMEOUT    seconds to wait for the cluster (default 120)
  JAVA_HOME              the JDK to run (else java on PATH)

Logs: $LOG_DIR/{jobmanager,taskmanager-N}.{log,out}
EOF
}

die() {
  echo "flink.sh: error: $*" >&2
  exit 1
}

info() {
  echo "flink.sh: $*" >&2
}

java_bin() {
  if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]]; then
    echo "$JAVA_HOME/bin/java"
  elif command -v java >/dev/null 2>&1; then
    command -v java
  else
    die "no java found: install a JDK 17 or set JAVA_HOME"
  fi
}

# Reads <name>value</name> from the main build's pom, so the cluster runs the exact versions
# the pipeline compiles against; empty when the property is not there.
parent_property() {
  sed -n "s:.*<$1>\([^<]*\)</$1>.*:\1:p" "$ROOT/pom.xml" | head -n 1
}

# True when this PID is alive and is one of our Flink JVMs (the config dir is on its command
# line), so a recycled PID of someone else's process is never signalled.
is_ours() {
  local pid="$1"
  [[ -n "$pid" && -r "/proc/$pid/cmdline" ]] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "--configDir $CONF_DIR"
}

jm_pid() {
  cat "$RUN_DIR/jobmanager.pid" 2>/dev/null || true
}

# Lines "PID RESOURCE_ID" of every TaskManager started, oldest first.
tm_entries() {
  cat "$RUN_DIR/taskmanagers" 2>/dev/null || true
}

live_tm_entries() {
  local pid id
  while read -r pid id; do
    [[ -n "$pid" ]] && is_ours "$pid" && echo "$pid $id"
  done < <(tm_entries)
  return 0
}

rest_url() {
  cat "$RUN_DIR/rest.url" 2>/dev/null || echo "http://127.0.0.1:$REST_PORT"
}

port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

lock() {
  mkdir -p "$FLINK_DIR"
  exec 9>"$FLINK_DIR/.lock"
  if ! flock -w 300 9; then
    die "another flink.sh start/stop holds $FLINK_DIR/.lock for over 5 minutes"
  fi
}

resolve_lib() {
  local flink_version tf_version pb_version log4j_version files_version
  flink_version="$(parent_property flink.version)"
  files_version="$(parent_property flink.connector.files.version)"
  tf_version="$(parent_property tensorflow.version)"
  pb_version="$(parent_property protobuf.version)"
  log4j_version="$(parent_property log4j.version)"
  local -a props=(-B -q -f "$CLUSTER_POM")
  [[ -n "$flink_version" ]] && props+=("-Dflink.version=$flink_version")
  [[ -n "$tf_version" ]] && props+=("-Dtensorflow.version=$tf_version")
  [[ -n "$pb_version" ]] && props+=("-Dprotobuf.version=$pb_version")
  [[ -n "$log4j_version" ]] && props+=("-Dlog4j.version=$log4j_version")
  [[ -n "$files_version" ]] && props+=("-Dflink.connector.files.version=$files_version")

  local stamp
  stamp="$( (cat "$CLUSTER_POM"; echo "${props[*]}") | sha256sum | cut -d' ' -f1)"
  if [[ -f "$LIB_DIR/.stamp" && "$(cat "$LIB_DIR/.stamp")" == "$stamp" ]]; then
    return 0
  fi
  command -v mvn >/dev/null 2>&1 || die "mvn not found: install Maven to resolve the Flink jars"
  info "resolving the cluster jars with Maven into $LIB_DIR (first start takes a minute) ..."
  # A fresh directory, swapped in whole: jars of an older version left behind would end up on
  # the classpath next to the new ones.
  local tmp="$FLINK_DIR/lib.tmp"
  rm -rf "$tmp"
  if ! mvn "${props[@]}" dependency:copy-dependencies -DincludeScope=runtime \
      -DoutputDirectory="$tmp" >"$FLINK_DIR/resolve.log" 2>&1; then
    cat "$FLINK_DIR/resolve.log" >&2
    die "Maven could not resolve the cluster jars (see above); check that Maven Central is reachable"
  fi
  echo "$stamp" >"$tmp/.stamp"
  rm -rf "$LIB_DIR"
  mv "$tmp" "$LIB_DIR"
}

write_conf() {
  mkdir -p "$CONF_DIR" "$LOG_DIR" "$RUN_DIR" "$FLINK_DIR/checkpoints" "$FLINK_DIR/savepoints" \
    "$FLINK_DIR/tmp"
  # config.yaml (standard YAML) is what Flink 1.19+ reads first and the only file Flink 2 reads.
  cat >"$CONF_DIR/config.yaml" <<EOF
# Written by infra/flink.sh start; edits are lost on the next start.
jobmanager.rpc.address: 127.0.0.1
jobmanager.rpc.port: $RPC_PORT
jobmanager.bind-host: 127.0.0.1
taskmanager.host: 127.0.0.1
taskmanager.bind-host: 127.0.0.1
rest.address: 127.0.0.1
rest.bind-address: 127.0.0.1
rest.port: $REST_PORT

# JobManager: schedules and serves REST only; 1 GiB leaves it ~450 MiB of heap.
jobmanager.memory.process.size: $JM_MEMORY

# TaskManager: TensorFlow allocates its tensors and weights with malloc, outside everything the
# JVM or Flink tracks, so the process budget reserves room for it as task off-heap memory (it
# only sizes -XX:MaxDirectMemorySize; what matters is that the heap is not grown into it).
# Managed memory serves RocksDB and batch sorting, neither of which the pipeline uses, so it is
# kept small instead of Flink's default 40 %.
taskmanager.memory.process.size: $TM_MEMORY
taskmanager.memory.task.off-heap.size: $TM_TASK_OFFHEAP
taskmanager.memory.managed.size: 256m
taskmanager.memory.network.min: 128m
taskmanager.memory.network.max: 128m
taskmanager.numberOfTaskSlots: $SLOTS
parallelism.default: 1

# One copy of TensorFlow Java per TaskManager JVM: when a second job's classloader loads its own
# TF (from a fat jar), TF's native library registers its protobuf descriptors again and aborts
# the JVM. These prefixes always resolve through the cluster classpath (lib/).
classloader.parent-first-patterns.additional: "org.tensorflow.;org.bytedeco.;com.google.protobuf."

state.backend.type: hashmap
execution.checkpointing.dir: file://$FLINK_DIR/checkpoints
execution.checkpointing.savepoint-dir: file://$FLINK_DIR/savepoints

# A killed TaskManager is noticed after two failed heartbeat RPCs (7 s measured) instead of the
# 50 s default timeout, which keeps fault-tolerance tests short.
heartbeat.interval: 5000
heartbeat.timeout: 30000

io.tmp.dirs: $FLINK_DIR/tmp
web.tmpdir: $FLINK_DIR/tmp/web
blob.storage.directory: $FLINK_DIR/tmp/blob
EOF

  cat >"$CONF_DIR/log4j.properties" <<'EOF'
# Written by infra/flink.sh start. One rolling file per process, named by -Dlog.file.
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = MainAppender
appender.main.name = MainAppender
appender.main.type = RollingFile
appender.main.append = true
appender.main.fileName = ${sys:log.file}
appender.main.filePattern = ${sys:log.file}.%i
appender.main.layout.type = PatternLayout
appender.main.layout.pattern = %d{yyyy-MM-dd HH:mm:ss,SSS} %-5p %-60c %x - %m%n
appender.main.policies.type = Policies
appender.main.policies.size.type = SizeBasedTriggeringPolicy
appender.main.policies.size.size = 100MB
appender.main.strategy.type = DefaultRolloverStrategy
appender.main.strategy.max = 3
EOF
}

# Flink derives -Xmx/-XX:MaxDirectMemorySize/... and the matching dynamic properties from the
# memory config with BashJavaUtils, the same helper its bin/ scripts call. Prints two lines:
# JVM options, then "-D key=value ..." arguments for the entrypoint.
memory_params() {
  local command="$1"
  local out
  if ! out="$("$JAVA" -Dlog4j2.level=WARN -classpath "$LIB_DIR/*" \
      org.apache.flink.runtime.util.bash.BashJavaUtils "$command" --configDir "$CONF_DIR" 2>&1)"; then
    echo "$out" >&2
    die "Flink rejected the memory configuration in $CONF_DIR/config.yaml (see above)"
  fi
  local results
  results="$(grep '^BASH_JAVA_UTILS_EXEC_RESULT:' <<<"$out" | sed 's/^BASH_JAVA_UTILS_EXEC_RESULT://' || true)"
  if [[ -z "$results" ]]; then
    echo "$out" >&2
    die "BashJavaUtils $command printed no result"
  fi
  echo "$results" | head -n 1
  echo "$results" | sed -n 2p
}

# launch NAME MAIN_CLASS MEMORY_PARAMS [ARGS...]: starts one Flink JVM in the background and
# prints its PID.
launch() {
  local name="$1" main_class="$2" params="$3"
  shift 3
  local jvm_params dynamic_params
  jvm_params="$(sed -n 1p <<<"$params")"
  dynamic_params="$(sed -n 2p <<<"$params")"
  local log="$LOG_DIR/$name.log" out="$LOG_DIR/$name.out"
  # Names repeat on every start (taskmanager-1, ...); keep the previous run's logs one step back.
  [[ -f "$log" ]] && mv -f "$log" "$log.prev"
  [[ -f "$out" ]] && mv -f "$out" "$out.prev"
  # setsid: the cluster outlives the shell (or test JVM) that started it and is not hit by its
  # Ctrl-C; stdio goes to files so a caller reading our output never waits on the cluster, and
  # fd 9 (the start lock) is closed so the JVMs do not hold the lock for their whole life.
  # shellcheck disable=SC2086 # the BashJavaUtils results are meant to be split into words
  TF_CPP_MIN_LOG_LEVEL="${TF_CPP_MIN_LOG_LEVEL:-2}" setsid "$JAVA" $jvm_params "${JAVA17_OPTS[@]}" \
    -Dlog.file="$log" -Dlog4j.configurationFile="file:$CONF_DIR/log4j.properties" \
    -classpath "$LIB_DIR/*" "$main_class" --configDir "$CONF_DIR" $dynamic_params "$@" \
    </dev/null >"$out" 2>&1 9>&- &
  echo $!
}

http_get() {
  curl -s -f -m 5 "$1" 2>/dev/null
}

# Waits until the REST API lists a TaskManager with this resource id; fails early when the
# process dies.
wait_for_tm() {
  local url="$1" tm_pid="$2" tm_id="$3" name="$4"
  local deadline=$((SECONDS + START_TIMEOUT_S)) next_note=$((SECONDS + 10))
  local jm
  jm="$(jm_pid)"
  while ((SECONDS < deadline)); do
    if ! is_ours "$jm"; then
      tail -n 30 "$LOG_DIR/jobmanager.out" "$LOG_DIR/jobmanager.log" >&2 2>/dev/null || true
      die "the JobManager exited during startup; logs: $LOG_DIR/jobmanager.{log,out}"
    fi
    if ! is_ours "$tm_pid"; then
      tail -n 30 "$LOG_DIR/$name.out" "$LOG_DIR/$name.log" >&2 2>/dev/null || true
      die "the TaskManager exited during startup; logs: $LOG_DIR/$name.{log,out}"
    fi
    if http_get "$url/taskmanagers" | grep -q "\"id\":\"$tm_id\""; then
      return 0
    fi
    if ((SECONDS >= next_note)); then
      info "waiting for TaskManager $tm_id to register at $url ($((deadline - SECONDS)) s left)"
      next_note=$((SECONDS + 10))
    fi
    sleep 1
  done
  die "TaskManager $tm_id did not register within ${START_TIMEOUT_S} s; logs: $LOG_DIR"
}

start_tm() {
  local url="$1" tm_params="$2"
  local n
  n="$(cat "$RUN_DIR/tm.counter" 2>/dev/null || echo 0)"
  n=$((n + 1))
  echo "$n" >"$RUN_DIR/tm.counter"
  local name="taskmanager-$n" tm_id="mmel-tm-$n"
  local pid
  # A fixed resource id lets this script tell a replacement TaskManager from the dead one the
  # JobManager still lists until its heartbeat times out.
  pid="$(launch "$name" "$TM_CLASS" "$tm_params" -D "taskmanager.resource-id=$tm_id")"
  echo "$pid $tm_id" >>"$RUN_DIR/taskmanagers"
  info "TaskManager $tm_id started (pid $pid, log $LOG_DIR/$name.log)"
  wait_for_tm "$url" "$pid" "$tm_id" "$name"
  info "TaskManager $tm_id registered"
}

cmd_start() {
  lock
  JAVA="$(java_bin)"
  local started=$SECONDS
  if is_ours "$(jm_pid)"; then
    local url
    url="$(rest_url)"
    if [[ -n "${FLINK_REST_PORT:-}" && "$url" != *":$FLINK_REST_PORT" ]]; then
      info "note: the running cluster listens at $url, not on FLINK_REST_PORT=$FLINK_REST_PORT; stop it first to change the port"
    fi
    if [[ -z "$(live_tm_entries)" ]]; then
      info "the cluster runs without a live TaskManager; starting one"
      start_tm "$url" "$(memory_params GET_TM_RESOURCE_PARAMS)"
    else
      info "already running"
    fi
    echo "$url"
    return 0
  fi

  [[ "$REST_PORT" =~ ^[0-9]+$ ]] || die "FLINK_REST_PORT must be a port number, got '$REST_PORT'"
  [[ "$RPC_PORT" =~ ^[0-9]+$ ]] || die "FLINK_RPC_PORT must be a port number, got '$RPC_PORT'"
  [[ "$SLOTS" =~ ^[1-9][0-9]*$ ]] || die "FLINK_SLOTS must be a positive number, got '$SLOTS'"
  if port_in_use "$REST_PORT"; then
    die "port $REST_PORT on 127.0.0.1 is already in use; pick another one with FLINK_REST_PORT=<port> infra/flink.sh start"
  fi
  if port_in_use "$RPC_PORT"; then
    die "port $RPC_PORT on 127.0.0.1 is already in use; pick another one with FLINK_RPC_PORT=<port> infra/flink.sh start"
  fi

  # TaskManagers that outlived their JobManager would hold memory and never be stopped again
  # once their record is overwritten.
  local orphans
  orphans="$(live_tm_entries | cut -d' ' -f1 | tr '\n' ' ')"
  if [[ -n "${orphans// /}" ]]; then
    info "stopping TaskManagers left over from a cluster whose JobManager is gone: $orphans"
    # shellcheck disable=SC2086 # a list of PIDs
    stop_pids $orphans
  fi

  resolve_lib
  write_conf
  rm -f "$RUN_DIR/jobmanager.pid" "$RUN_DIR/taskmanagers" "$RUN_DIR/tm.counter"
  local url="http://127.0.0.1:$REST_PORT"
  echo "$url" >"$RUN_DIR/rest.url"

  # Both memory configurations are checked before anything starts, so a bad one leaves no
  # half-started cluster behind.
  local jm_params tm_params
  jm_params="$(memory_params GET_JM_RESOURCE_PARAMS)"
  tm_params="$(memory_params GET_TM_RESOURCE_PARAMS)"

  local jm
  jm="$(launch jobmanager "$JM_CLASS" "$jm_params")"
  echo "$jm" >"$RUN_DIR/jobmanager.pid"
  info "JobManager started (pid $jm, log $LOG_DIR/jobmanager.log)"
  # Both JVMs boot at once; the TaskManager retries its registration until the JobManager is up.
  start_tm "$url" "$tm_params"
  info "cluster up in $((SECONDS - started)) s: web UI and REST API at $url"
  echo "$url"
}

# Sends TERM, waits up to 30 s, then KILLs what is left.
stop_pids() {
  local pid
  (($# == 0)) && return 0
  kill -TERM "$@" 2>/dev/null || true
  local deadline=$((SECONDS + 30))
  for pid in "$@"; do
    while is_ours "$pid" && ((SECONDS < deadline)); do
      sleep 0.5
    done
    if is_ours "$pid"; then
      info "pid $pid ignored TERM for 30 s; killing it"
      kill -KILL "$pid" 2>/dev/null || true
      while is_ours "$pid"; do sleep 0.1; done
    fi
  done
}

cmd_stop() {
  lock
  local -a pids=()
  local pid id
  while read -r pid id; do
    [[ -n "$pid" ]] && pids+=("$pid")
  done < <(live_tm_entries)
  if ((${#pids[@]} > 0)); then
    stop_pids "${pids[@]}"
  fi
  pid="$(jm_pid)"
  if is_ours "$pid"; then
    stop_pids "$pid"
    info "stopped"
  elif ((${#pids[@]} == 0)); then
    info "not running"
  fi
  rm -f "$RUN_DIR/jobmanager.pid" "$RUN_DIR/taskmanagers"
}

cmd_status() {
  local url
  url="$(rest_url)"
  if ! is_ours "$(jm_pid)"; then
    echo "stopped"
    return 3
  fi
  local live
  live="$(live_tm_entries | wc -l)"
  local registered="?"
  local body
  if body="$(http_get "$url/taskmanagers")"; then
    registered="$(grep -o '"id":"[^"]*"' <<<"$body" | wc -l)"
  fi
  echo "running: $url (JobManager pid $(jm_pid), $live TaskManager process(es) alive, $registered registered)"
  return 0
}

cmd_kill_taskmanager() {
  lock
  local entry
  entry="$(live_tm_entries | tail -n 1)"
  [[ -n "$entry" ]] || die "no TaskManager started by this script is alive"
  local pid="${entry%% *}" id="${entry#* }"
  kill -KILL "$pid"
  # A zombie keeps its /proc entry until reaped, but its command line is already empty.
  while is_ours "$pid"; do sleep 0.1; done
  info "killed TaskManager $id (pid $pid) with SIGKILL"
}

cmd_start_taskmanager() {
  lock
  JAVA="$(java_bin)"
  is_ours "$(jm_pid)" || die "the cluster is not running; start it with: infra/flink.sh start"
  [[ -d "$LIB_DIR" && -f "$CONF_DIR/config.yaml" ]] || die "no cluster files in $FLINK_DIR; run infra/flink.sh start"
  local url
  url="$(rest_url)"
  start_tm "$url" "$(memory_params GET_TM_RESOURCE_PARAMS)"
  echo "$url"
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  kill-taskmanager) cmd_kill_taskmanager ;;
  start-taskmanager) cmd_start_taskmanager ;;
  -h | --help | help) usage ;;
  "")
    usage >&2
    exit 2
    ;;
  *)
    echo "flink.sh: unknown command '$1'" >&2
    usage >&2
    exit 2
    ;;
esac
