"""The operational data store: submissions, their archived files and findings, and the records in force.

`Store.open()` connects (SQLite in the data home by default, PostgreSQL with `UTREX_DATABASE_URL`),
checks the schema and marks failed the submissions a killed process left half done;
`submissions.submit(path, lea)` receives, validates and loads a file.
"""

from .db import SchemaOutOfDate, Store, StoreError
from .settings import Settings

__all__ = ["SchemaOutOfDate", "Settings", "Store", "StoreError"]
