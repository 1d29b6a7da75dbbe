"""The command-center wall display (``/wall``)."""
