"""Orders: the order, its lines and timeline, the status machine and stock reservations."""
