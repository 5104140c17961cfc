"""Benchmarks: a seeded synthetic scenario generator and timing scripts (see benchmarks/README.md)."""
