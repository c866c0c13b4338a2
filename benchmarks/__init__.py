"""Benchmarks: run with `make bench` (see the README's performance section for the method)."""
