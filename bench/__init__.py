"""Benchmarks: not part of the test run. Each module prints its figures."""
