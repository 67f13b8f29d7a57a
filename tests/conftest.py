"""Shared fixtures: the repository root, the chapters listed in _toc.yml, and one HTML
build of the book per test session (used by the build and browser tests)."""
from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _load_script(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


execute_notebooks = _load_script("execute_notebooks")


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def toc_notebooks() -> list[Path]:
    return execute_notebooks.toc_notebooks(ROOT)


def jupyter_book_build(out_dir: Path, config: Path | None = None) -> subprocess.CompletedProcess:
    """`jupyter-book build . -W -n --keep-going` into ``out_dir`` (warnings are errors)."""
    exe = Path(sys.executable).with_name("jupyter-book")
    cmd = [str(exe), "build", str(ROOT), "-W", "-n", "--keep-going", "--path-output", str(out_dir)]
    if config is not None:
        cmd += ["--config", str(config)]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=900)


@pytest.fixture(scope="session")
def built_book(tmp_path_factory) -> Path:
    """The HTML folder of one fresh build of the book; the build must pass with -W -n."""
    out = tmp_path_factory.mktemp("book")
    result = jupyter_book_build(out)
    log = result.stdout + result.stderr
    if result.returncode != 0:
        pytest.fail(f"jupyter-book build failed (exit {result.returncode}):\n{log[-6000:]}")
    return out / "_build" / "html"
