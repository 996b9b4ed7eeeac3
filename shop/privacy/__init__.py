"""A customer's own data: the export of everything the shop holds about them, and deleting the account."""
