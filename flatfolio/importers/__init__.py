"""Importing a blog from another static site generator: one reader module per generator, one writer."""

import importlib
from types import ModuleType

GENERATORS = ("hugo", "jekyll", "pelican")


def reader(generator: str) -> ModuleType:
    """The reader module of `generator` (read_site, looks_like), imported only when needed."""
    return importlib.import_module(f"{__name__}.{generator}")
