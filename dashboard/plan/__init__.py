"""The planning page (``/plan``): its layout and callbacks."""
