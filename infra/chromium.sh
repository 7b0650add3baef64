#!/usr/bin/env bash
# Headless Chromium for the web console's browser test: Debian's package, installed with apt
# when /usr/bin/chromium is missing. Prints the browser's path on the last stdout line.
set -euo pipefail

usage() {
  cat <<'TXT'
usage: infra/chromium.sh [install|path|--help]
  install  Installs Debian's chromium (apt-get) unless /usr/bin/chromium is there; needs root
           and Debian's package archive the first time. Prints the browser's path.
  path     Prints the browser's path (fails with what to run if it is missing).
TXT
}

browser=/usr/bin/chromium

install() {
  if [[ ! -x "$browser" ]]; then
    if [[ "$(id -u)" != 0 ]]; then
      echo "infra/chromium.sh: $browser is missing and installing it needs root" >&2
      exit 2
    fi
    echo "installing Debian's chromium" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >&2
    apt-get install -y -q --no-install-recommends chromium fonts-dejavu-core >&2
  fi
  echo "$browser"
}

case "${1:-install}" in
  install) install ;;
  path)
    if [[ ! -x "$browser" ]]; then
      echo "infra/chromium.sh: chromium is not installed; run infra/chromium.sh install" >&2
      exit 3
    fi
    echo "$browser"
    ;;
  -h|--help|help) usage ;;
  *) usage >&2; exit 2 ;;
esac
