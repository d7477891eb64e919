"""The board wheel's notebooks and the files they read (``pynq get-notebooks`` copies this folder: the
``pynq.notebooks`` entry point of board/pyproject.toml names this package)."""
