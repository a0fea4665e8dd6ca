"""Export a whole database to a portable file, and import one into a new, empty database.

``format`` is the file and what the others share; ``export`` and ``load``
read and write it; ``catalogs`` picks the backend's specifics
(``storage.sqlite.transfer``, ``storage.postgresql.transfer``), which
import ``format`` and nothing else of this package.
"""

from __future__ import annotations

from storage.transfer.export import export_database
from storage.transfer.format import Summary
from storage.transfer.load import import_database

__all__ = ["Summary", "export_database", "import_database"]
