"""The limits an experiment file cannot exceed, so that loading one costs bounded time and memory.

Every limit is checked while the file is read or built and reported as a ``FormatError``
at the place that crosses it. Loading is linear in the file's size below them.
"""

from __future__ import annotations

MAX_BYTES = 50 * 1024 * 1024
"""Size of a file, in bytes."""

MAX_DEPTH = 100
"""Nesting of values (calls, lists, dicts, tuples), names used inside others included."""

MAX_NODES = 1_000_000
"""Values a file builds, counting each copy a name's use makes (the elements of a long
literal list or dict written in the file are bounded by its size instead)."""

MAX_NAME_USES = 100_000
"""Uses of assigned names in one file."""
