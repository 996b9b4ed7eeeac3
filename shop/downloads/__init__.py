"""Guide downloads: expiring, counted links backed by hashed tokens."""
