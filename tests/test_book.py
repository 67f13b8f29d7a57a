"""The HTML book builds with warnings as errors, serves MathJax itself, and gets launch
buttons once a repository URL is configured."""
import yaml
from conftest import jupyter_book_build


def toc_pages(root):
    toc = yaml.safe_load((root / "_toc.yml").read_text(encoding="utf-8"))
    return [toc["root"]] + [ch["file"] for part in toc["parts"] for ch in part["chapters"]]


def test_build_produces_every_page(built_book, root):
    assert (built_book / "index.html").is_file()
    missing = [p for p in toc_pages(root) if not (built_book / f"{p}.html").is_file()]
    assert not missing, f"pages not built: {missing}"


def test_chapters_offer_their_notebook_for_download(built_book, root, toc_notebooks):
    for nb in toc_notebooks:
        rel = nb.relative_to(root).as_posix()
        html = (built_book / nb.relative_to(root).with_suffix(".html")).read_text(encoding="utf-8")
        assert f'href="../_sources/{rel}"' in html, rel
        assert (built_book / "_sources" / rel).is_file(), rel


def test_mathjax_is_served_from_the_book_not_a_cdn(built_book, root):
    assert (built_book / "_static" / "mathjax" / "tex-chtml.js").stat().st_size > 100_000
    with_math = 0
    for page in toc_pages(root):
        html = (built_book / f"{page}.html").read_text(encoding="utf-8")
        assert "cdn.jsdelivr.net" not in html and "mathjax@3" not in html, page
        if 'class="math' in html:  # Sphinx loads MathJax only on pages with math
            with_math += 1
            assert "_static/mathjax/tex-chtml.js" in html, page
    assert with_math >= 2


def test_launch_and_download_buttons_when_repository_is_set(root, tmp_path, toc_notebooks):
    config = yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8"))
    assert config["repository"]["url"] == "", "set the URL in _config.yml only when publishing"
    config["repository"]["url"] = "https://github.com/example-org/nn-derived"
    # paths in a config file are relative to it: point the local extension at the repo
    config["sphinx"]["local_extensions"] = {
        name: str(root / path) for name, path in config["sphinx"]["local_extensions"].items()
    }
    alt = tmp_path / "_config.yml"
    alt.write_text(yaml.safe_dump(config), encoding="utf-8")
    result = jupyter_book_build(tmp_path / "out", config=alt)
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
    html_dir = tmp_path / "out" / "_build" / "html"
    for nb in toc_notebooks:
        page = nb.relative_to(root).with_suffix(".html")
        html = (html_dir / page).read_text(encoding="utf-8")
        rel = nb.relative_to(root).as_posix()
        assert f"mybinder.org/v2/gh/example-org/nn-derived/main?urlpath=tree/{rel}" in html, page
        assert f'href="../_sources/{rel}"' in html, f"{page}: no download-.ipynb link"
        assert (html_dir / "_sources" / rel).is_file()
