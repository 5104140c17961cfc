"""Solver backends and their common contract."""
