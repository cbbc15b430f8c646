"""Shared plumbing of the benchmark harness (statistics, processes, targets, report)."""
