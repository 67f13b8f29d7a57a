"""Two small adjustments of the Sphinx configuration that _config.yml cannot express.

1. YAML has no tuples: Jupyter Book passes ``nitpick_ignore`` as a list of lists, while
   Sphinx looks entries up as ``(type, target)`` tuples, so without this conversion the
   list silently matches nothing.
2. Launch buttons need the repository URL. While ``repository.url`` is empty (a fork or
   a local build), sphinx-book-theme 1.3 fails on every notebook page when a BinderHub
   URL is configured; here the launch buttons are switched off until the URL is set, so
   that the URL stays the one setting a maintainer fills in.
"""


def _adjust(app, config):
    config.nitpick_ignore = [tuple(entry) for entry in config.nitpick_ignore]
    config.nitpick_ignore_regex = [tuple(entry) for entry in config.nitpick_ignore_regex]
    theme = config.html_theme_options
    if not (theme.get("repository_url") or "").strip():
        theme.pop("launch_buttons", None)


def setup(app):
    app.connect("config-inited", _adjust)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
