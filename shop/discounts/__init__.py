"""Discount codes: what a code takes off, whom and what it applies to, and its uses."""
