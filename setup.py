"""Package discovery that pyproject.toml cannot express on its own.

The folder ``gui/`` is installed as ``edutorch_studio`` (see ``[tool.setuptools.package-dir]``),
and every subpackage of it (``gui/builder`` -> ``edutorch_studio.builder``) is found here, so a new
subfolder with an ``__init__.py`` needs no edit anywhere.
"""

from setuptools import find_packages, setup

core = find_packages(include=["edutorch", "edutorch.*"])
studio = ["edutorch_studio"] + [f"edutorch_studio.{name}" for name in find_packages("gui")]

setup(packages=core + studio)
