#!/usr/bin/env bash
# The VS Code extension (vscode-extension/): strict tsc, eslint, unit tests of the wiring
# against a stub `vscode` module plus a protocol test against the real server, and the
# .vsix built offline and checked. Run after .venv exists (the protocol test uses it).
#
# Needs Node.js >= 20 and npm (@vscode/vsce requires 20): apt installs them when missing;
# where apt's Node is older (Debian 12 ships 18), Node 20 comes from the npm registry's
# node-linux-<arch> package. Only a machine with neither Node nor apt skips, saying so.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root/vscode-extension"

node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "vscode.sh: SKIPPED the VS Code extension checks: no Node.js/npm and no apt-get to install them"
    exit 0
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
fi
if [ "$(node_major)" -lt 20 ]; then
  case "$(uname -m)" in
    x86_64) arch=x64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) echo "vscode.sh: Node $(node --version) is too old and no Node 20 package exists for $(uname -m)" >&2; exit 1 ;;
  esac
  tools="${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/orchex-node20"
  npm install --prefix "$tools" --no-save --no-audit --no-fund --loglevel=error "node-linux-$arch@20" >/dev/null
  export PATH="$tools/node_modules/node-linux-$arch/bin:$PATH"
fi
echo "vscode.sh: node $(node --version), npm $(npm --version)"

export ORCHEX_PYTHON="${ORCHEX_PYTHON:-$root/.venv/bin/python}"
npm ci --no-audit --no-fund --loglevel=error
npm run --silent typecheck
npm run --silent lint
npm test --silent
rm -f orchex.vsix
npm run --silent package
node scripts/check-vsix.mjs orchex.vsix
