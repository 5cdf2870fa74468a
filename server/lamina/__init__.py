"""Lamina: run, debug and ship AWS Lambda Python handlers locally, without Docker."""

__version__ = "0.1.0"
