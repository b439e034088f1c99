"""Councils and their members."""
