#!/usr/bin/env bash
# Creates (once) the Python virtualenv that holds the reference implementations our Java code is
# cross-checked against in integration tests: Hugging Face tokenizers + ftfy (CLIP tokenizer),
# Pillow (image resizing), numpy and safetensors (weight files). Prints the interpreter path.
set -euo pipefail
usage() {
  cat <<USAGE
usage: infra/reference-venv.sh [--help]
Creates .cache/reference-venv (if missing or outdated) from infra/reference-requirements.txt and
prints the path of its python interpreter on the last line. Needs python3 and PyPI access.
USAGE
}
[[ "${1:-}" == "--help" || "${1:-}" == "-h" ]] && { usage; exit 0; }
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.cache/reference-venv"
req="$root/infra/reference-requirements.txt"
stamp="$venv/.requirements.sha256"
want="$(sha256sum "$req" | cut -d' ' -f1)"
if [[ ! -x "$venv/bin/python" || ! -f "$stamp" || "$(cat "$stamp")" != "$want" ]]; then
  echo "reference-venv: installing $(grep -vc '^#' "$req") packages into $venv" >&2
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$req" >&2
  echo "$want" > "$stamp"
fi
echo "$venv/bin/python"
