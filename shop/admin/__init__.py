"""The staff admin under /admin: every view needs a staff role."""
