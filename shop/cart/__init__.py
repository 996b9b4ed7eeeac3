"""The shopping cart: server-side lines keyed by a token in the session cookie."""
