"""The staff admin under /admin: every view needs the role shop/admin/permissions.py gives it."""
