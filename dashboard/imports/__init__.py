"""The import page (``/import``): the page, its steering options and the layers' help."""
