#!/usr/bin/env bash
# Build the HTML book into _build/html/ (open _build/html/index.html), from a fresh
# machine: installs the pinned requirements into the active virtual environment, or a new
# ./.venv, then builds with Sphinx warnings treated as errors. Needs no network once
# installed: MathJax is served from the book itself.
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=scripts/install.sh
. scripts/install.sh
echo "+ jupyter-book build . -W -n --keep-going"
jupyter-book build . -W -n --keep-going
echo "Open _build/html/index.html"
