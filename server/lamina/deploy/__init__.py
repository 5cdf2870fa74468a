"""Packaging and shipping code: dependency installs, zips, targets, sync sessions."""
