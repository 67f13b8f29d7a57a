# Sourced by build.sh and test.sh: enter the active virtual environment, or create and
# enter ./.venv, then install the exact pins of requirements.txt (which end with `-e .`).
if [ -z "${VIRTUAL_ENV:-}" ]; then
  if [ ! -x .venv/bin/python ]; then
    py=$(command -v python3.11 || command -v python3)
    echo "+ $py -m venv .venv"
    "$py" -m venv .venv
  fi
  # shellcheck disable=SC1091
  . .venv/bin/activate
fi
python -c 'import sys; assert sys.version_info >= (3, 11), "Python >= 3.11 is required"'
echo "+ pip install -r requirements.txt"
python -m pip install --disable-pip-version-check -q -r requirements.txt
