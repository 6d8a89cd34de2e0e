#!/usr/bin/env bash
# One-time set-up of a fresh Debian machine with Node.js 20 and npm (idempotent, fast when done):
# the system packages tests use, the pinned pnpm, and the locked dependencies.
set -euo pipefail
cd "$(dirname "$0")/.."

PNPM_VERSION=12.21.0
# libquickfix-dev + g++: the FIX interop test builds a real QuickFIX C++ initiator.
# chromium: the web UI's end-to-end tests drive Debian's chromium with playwright-core.
# etcd-server: the benchmark's baseline (a 3-member etcd started by `pnpm bench`).
# iproute2 + iptables: the venue's multi-host test (members in network namespaces, links cut with DROP).
APT_PACKAGES=(libquickfix-dev g++ chromium etcd-server iproute2 iptables)

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "setup: installing ${missing[*]} with apt-get"
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq -o DPkg::Lock::Timeout=120 "${missing[@]}"
fi

if [ "$(pnpm --version 2>/dev/null || true)" != "$PNPM_VERSION" ]; then
  echo "setup: installing pnpm@$PNPM_VERSION"
  npm install -g "pnpm@$PNPM_VERSION"
fi
pnpm install --frozen-lockfile
