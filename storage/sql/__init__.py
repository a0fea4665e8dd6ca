"""The stores both backends share, written once in the SQL SQLite and PostgreSQL both accept.

``storage.sqlite`` and ``storage.postgresql`` each build their Storage from
``storage.sql.storage.SqlStorage`` over their own ``Database``; nothing here
imports either backend.
"""
