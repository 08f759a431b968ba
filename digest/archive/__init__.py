"""The archive: article files, front matter, atomic writes, the state database, the lock."""
