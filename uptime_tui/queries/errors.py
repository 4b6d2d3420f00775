"""What a face catches when a read fails in the database, so that no face imports peewee.

Every error the database driver raises through peewee derives from it (an unreachable server, a
missing table, a locked file).
"""

from peewee import PeeweeException as ReadFailed

__all__ = ["ReadFailed"]
