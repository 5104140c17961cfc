"""Studies made of several solves: the value of the ceiling, and the like."""
