"""Make ``nitpick_ignore`` entries from _config.yml usable by Sphinx.

YAML has no tuples: Jupyter Book passes ``nitpick_ignore`` as a list of lists, while
Sphinx looks entries up as ``(type, target)`` tuples, so without this conversion the
list silently matches nothing.
"""


def _to_tuples(app, config):
    config.nitpick_ignore = [tuple(entry) for entry in config.nitpick_ignore]
    config.nitpick_ignore_regex = [tuple(entry) for entry in config.nitpick_ignore_regex]


def setup(app):
    app.connect("config-inited", _to_tuples)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
