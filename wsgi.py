"""WSGI entry point: `gunicorn wsgi:app`, and `flask --app wsgi …` for the CLI.

Under a WSGI server APP_ENV must be set (config.config_from_env): a server never guesses development.
"""

from shop import create_app

app = create_app()
