"""Tests of the shipped site as readers and their tools see it (a package, so its conftest keeps its own name)."""
