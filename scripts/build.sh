#!/usr/bin/env bash
# Build the HTML book into _build/html/ (open _build/html/index.html), from a fresh
# machine: installs the pinned requirements into the active virtual environment, or a new
# ./.venv, then builds with Sphinx warnings treated as errors. Needs no network once
# installed: MathJax is served from the book itself.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${VIRTUAL_ENV:-}" ]; then
  if [ ! -x .venv/bin/python ]; then
    py=$(command -v python3.11 || command -v python3)
    echo "+ $py -m venv .venv"
    "$py" -m venv .venv
  fi
  # shellcheck disable=SC1091
  . .venv/bin/activate
fi

echo "+ pip install -r requirements.txt"
python -m pip install --disable-pip-version-check -q -r requirements.txt
echo "+ jupyter-book build . -W -n --keep-going"
jupyter-book build . -W -n --keep-going
echo "Open _build/html/index.html"
