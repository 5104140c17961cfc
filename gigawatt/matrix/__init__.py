"""The matrix layer: a built Pyomo model compiled to a standard form, its scaling and its maps back to components.

Below it: :mod:`gigawatt.model`; above it: :mod:`gigawatt.solvers` (which read the standard form only).
"""
