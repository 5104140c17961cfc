"""The buildout MIP: one module per family of constraints, assembled by :func:`build_model`."""

from gigawatt.model.build import build_model
from gigawatt.model.options import ModelOptions

__all__ = ["ModelOptions", "build_model"]
