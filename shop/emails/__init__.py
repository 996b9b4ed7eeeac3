"""Outgoing email: queued in the same transaction as the change that causes it, sent by the worker."""
