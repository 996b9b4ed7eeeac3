"""Customer and staff accounts: registration, login, password reset, email confirmation."""
