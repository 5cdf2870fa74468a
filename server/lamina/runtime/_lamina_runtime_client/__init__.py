"""Lamina's runtime client, the child side of an execution environment (see ../bootstrap.py).

Imported as a top-level package by the bootstrap, under any interpreter the user picks: it imports
nothing from Lamina and only relative imports between its own modules."""
