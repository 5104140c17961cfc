"""Plans: extraction from a solution, the Plan object, and the independent verifier."""
