#!/usr/bin/env bash
# Real gRPC clients that nobody here wrote, for the serving tests and the load benchmark:
# grpcurl (reflection, calls, health) and ghz (load). Installed once with `go install` from the
# Go module proxy into .cache/tools/bin; prints that directory on the last stdout line.
set -euo pipefail

usage() {
  cat <<'TXT'
usage: infra/tools.sh [install|path|--help]
  install  Installs grpcurl and ghz (pinned versions) into .cache/tools/bin unless there;
           needs Go and the Go module proxy the first time. Prints the directory.
  path     Prints the directory (fails with what to run if a tool is missing).
TXT
}

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="$root/.cache/tools/bin"
declare -A tools=(
  [grpcurl]="github.com/fullstorydev/grpcurl/cmd/grpcurl@v1.9.3"
  [ghz]="github.com/bojand/ghz/cmd/ghz@v0.120.0"
)

install() {
  mkdir -p "$bin"
  for tool in "${!tools[@]}"; do
    if [[ -x "$bin/$tool" ]]; then
      continue
    fi
    if ! command -v go >/dev/null; then
      echo "infra/tools.sh: Go is needed to install $tool (${tools[$tool]})" >&2
      exit 2
    fi
    echo "installing $tool (${tools[$tool]}) into $bin" >&2
    GOBIN="$bin" GOPATH="$root/.cache/tools/gopath" GOFLAGS=-modcacherw \
      go install "${tools[$tool]}" >&2
  done
  echo "$bin"
}

case "${1:-install}" in
  install) install ;;
  path)
    for tool in "${!tools[@]}"; do
      if [[ ! -x "$bin/$tool" ]]; then
        echo "infra/tools.sh: $tool is not installed; run infra/tools.sh install" >&2
        exit 3
      fi
    done
    echo "$bin"
    ;;
  -h|--help|help) usage ;;
  *) usage >&2; exit 2 ;;
esac
