"""Every built page, opened in a real headless Chromium with no network, renders its math
with MathJax (served by the book itself) and shows only images that exist.

Whether a page has TeX is decided from its HTML source *before* rendering; the checks on
the rendered DOM then come from `chromium --dump-dom`.
"""
from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest
from bs4 import BeautifulSoup
from PIL import Image

CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--virtual-time-budget=10000", "--dump-dom",
]
INSTALL_HINT = (
    "The browser test needs Chromium: install it with "
    "`apt-get update && apt-get install -y chromium` (scripts/test.sh does this when run as root)."
)
TEX_IN_SOURCE = re.compile(r'class="[^"]*\bmath\b|\\\(|\\\[')
RAW_TEX = re.compile(r"\$\$|\\\[|\\begin\{")
# Where TeX-looking text is legitimate: code, cell outputs, and MathJax's own nodes.
SKIP_TAGS = {"script", "style", "pre", "code", "textarea", "mjx-container", "noscript"}
SKIP_CLASSES = {"cell_output", "output", "highlight", "MathJax_Preview"}


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    pytest.fail(INSTALL_HINT)


def built_pages(html_dir: Path) -> list[Path]:
    skip = {"_static", "_sources", "_images"}
    return sorted(p for p in html_dir.rglob("*.html") if not skip & set(p.relative_to(html_dir).parts))


def dump_dom(browser: str, page: Path) -> str:
    with tempfile.TemporaryDirectory() as profile:
        result = subprocess.run(
            [browser, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", page.as_uri()],
            capture_output=True, text=True, timeout=120,
        )
    assert result.returncode == 0, f"chromium failed on {page}: {result.stderr[-2000:]}"
    return result.stdout


def visible_text(soup: BeautifulSoup) -> str:
    for tag in soup.find_all(SKIP_TAGS):
        tag.decompose()
    for tag in soup.find_all(class_=lambda c: c and bool(SKIP_CLASSES & set(c.split()))):
        tag.decompose()
    return soup.get_text(" ")


@pytest.fixture(scope="module")
def rendered(built_book):
    """{page: (source html, rendered DOM)} for every built page."""
    browser = chromium()
    pages = built_pages(built_book)
    with ThreadPoolExecutor(max_workers=2) as pool:
        doms = list(pool.map(lambda p: dump_dom(browser, p), pages))
    return {p: (p.read_text(encoding="utf-8"), dom) for p, dom in zip(pages, doms)}


def test_there_are_pages_with_math(rendered):
    with_tex = [p for p, (src, _) in rendered.items() if TEX_IN_SOURCE.search(src)]
    assert len(with_tex) >= 2, "expected math on the notation page and in the chapters"


def test_math_renders_without_errors(rendered, built_book):
    problems = []
    for page, (source, dom) in rendered.items():
        name = page.relative_to(built_book).as_posix()
        if not TEX_IN_SOURCE.search(source):
            continue
        if "<mjx-container" not in dom:
            problems.append(f"{name}: has TeX but MathJax rendered nothing (is MathJax served?)")
        n_err = dom.count("<mjx-merror")
        if n_err:
            problems.append(f"{name}: {n_err} MathJax error(s)")
        leftover = RAW_TEX.findall(visible_text(BeautifulSoup(dom, "html.parser")))
        if leftover:
            problems.append(f"{name}: raw TeX left in the text: {sorted(set(leftover))}")
    assert not problems, "\n".join(problems)


def valid_image(path: Path) -> bool:
    if path.suffix.lower() == ".svg":
        return ET.parse(path).getroot().tag.endswith("svg")
    with Image.open(path) as im:
        im.verify()
        return im.format in {"PNG", "JPEG", "GIF"}


def test_every_image_exists_and_is_valid(rendered, built_book):
    problems = []
    for page, (_, dom) in rendered.items():
        for img in BeautifulSoup(dom, "html.parser").find_all("img"):
            src = img.get("src", "")
            url = urlparse(src)
            if url.scheme == "data":
                continue  # inline images (e.g. theme icons) carry their own bytes
            if url.scheme not in ("", "file"):
                problems.append(f"{page.name}: image from the network: {src}")
                continue
            target = Path(unquote(url.path)) if url.scheme == "file" else (page.parent / unquote(url.path))
            if not target.is_file() or target.stat().st_size == 0:
                problems.append(f"{page.name}: missing or empty image {src}")
            elif not valid_image(target):
                problems.append(f"{page.name}: not a valid PNG/SVG: {src}")
    assert not problems, "\n".join(problems)
