"""Useful tools that are not AI specific: factories, plugins, concurrency."""
