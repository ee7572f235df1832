"""edutorch studio: a desktop app for building, debugging and training edutorch models.

Importing this package is cheap: Qt is imported only by the modules that build widgets.
"""

__version__ = "0.1.0"
