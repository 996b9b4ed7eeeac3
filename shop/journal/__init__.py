"""The journal: articles written by staff, listed at /journal, with their feed and admin editor."""
