#!/usr/bin/env bash
# The whole test suite, from a fresh machine: installs the pinned requirements (into the
# active virtual environment, or a new ./.venv), makes sure Chromium is there for the
# browser test, then runs pytest — unit tests, strict nbval over every chapter, the book
# build with warnings as errors, and the headless-browser test of every page.
# Extra arguments go to pytest (e.g. `bash scripts/test.sh -x -k activations`).
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=scripts/install.sh
. scripts/install.sh

if ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "+ apt-get update && apt-get install -y chromium"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "Chromium is missing: install it (e.g. 'sudo apt-get update && sudo apt-get install -y chromium') and run this command again." >&2
    exit 1
  fi
fi

# Build matplotlib's font cache now; on a first run its notice would otherwise land in a
# chapter's stderr, which nbval compares.
python -c "import matplotlib.pyplot" 2>/dev/null

# One BLAS thread unless you ask for more: the chapters' matrices are small, and two BLAS
# threads on a busy 2-core machine make a chapter several times slower (their outputs are
# the same either way).
export OPENBLAS_NUM_THREADS="${OPENBLAS_NUM_THREADS:-1}" OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"

echo "+ python -m pytest $*"
exec python -m pytest "$@"
