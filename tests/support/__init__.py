"""Helpers shared by tests of several areas (and by bench/), each module named for what it holds."""
