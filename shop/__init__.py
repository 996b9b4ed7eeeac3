"""The shop: create_app() builds a configured Flask application."""

import logging
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from config import Config, config_from_env
from shop import url_converters
from shop.sessions import SessionInterface


def create_app(config: type[Config] | None = None) -> Flask:
    config = config or config_from_env()
    config.validate()
    app = Flask(__name__, template_folder="../templates", static_folder="../static")
    app.config.from_object(config)
    # Checked after ProxyFix has applied a trusted proxy's X-Forwarded-Host.
    app.config["TRUSTED_HOSTS"] = config.trusted_hosts()
    app.session_interface = SessionInterface()
    if proxies := app.config["TRUSTED_PROXY_COUNT"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
    logging.basicConfig(
        level=app.config["LOG_LEVEL"], format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )

    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)

    from shop import (
        anonymous_pages,
        cli,
        database,
        error_pages,
        media,
        pricing_config,
        private_pages,
        security_headers,
        sqlite_connections,
        storage,
        templating,
    )
    from shop.extensions import csrf, db, limiter, login_manager, mail, migrate, page_cache

    url_converters.init_app(app)  # before any route is added
    pricing_config.init_app(app)  # a misconfigured zone or tax table stops the app here
    database.configure_engine(app)
    db.init_app(app)
    database.close_sessions_quietly(app)  # runs before Flask-SQLAlchemy's teardown
    sqlite_connections.init_app(app)
    migrate.init_app(
        app,
        db,
        directory=str(Path(app.root_path).parent / "migrations"),
        render_as_batch=True,  # SQLite needs table rebuilds for ALTERs
        compare_type=True,
    )
    csrf.init_app(app)
    limiter.init_app(app)
    mail.init_app(app)
    login_manager.init_app(app)
    page_cache.init_app(app)
    anonymous_pages.init_app(app)
    storage.init_app(app)
    media.init_app(app)

    from shop import models  # noqa: F401  (every table registered before first use)
    from shop.accounts.login import init_login

    init_login(app)
    from shop.accounts.linking import register_order_listeners
    from shop.guides.listeners import register_listeners as register_guide_listeners

    # Connected in this order: an order's account link comes before its guide-lead note on the timeline.
    register_order_listeners()
    register_guide_listeners()
    from shop.accounts.views import bp as accounts_bp
    from shop.admin import (  # noqa: F401  (routes register on the admin blueprint)
        comment_views,
        discount_views,
        document_views,
        insight_views,
        journal_views,
        lead_views,
        order_views,
        product_views,
        staff_views,
        views,
    )
    from shop.admin.blueprint import bp as admin_bp
    from shop.cart.views import bp as cart_bp
    from shop.checkout.views import bp as checkout_bp
    from shop.downloads.views import bp as downloads_bp
    from shop.guides.views import bp as guides_bp
    from shop.invoices.views import bp as invoices_bp
    from shop.journal import comment_views as journal_comment_views  # noqa: F401  (journal routes)
    from shop.journal.views import bp as journal_bp
    from shop.orders.views import bp as orders_bp
    from shop.payments import selection as payment_selection
    from shop.payments.views import bp as payments_bp
    from shop.privacy.views import bp as privacy_bp
    from shop.site.views import bp as site_bp
    from shop.storefront.views import bp as catalog_bp

    app.register_blueprint(catalog_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(privacy_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(cart_bp)
    app.register_blueprint(downloads_bp)
    app.register_blueprint(checkout_bp)
    app.register_blueprint(orders_bp)
    app.register_blueprint(invoices_bp)
    app.register_blueprint(payments_bp)
    app.register_blueprint(guides_bp)
    app.register_blueprint(journal_bp)
    app.register_blueprint(site_bp)
    if app.config["DEV_TOOLS"] and app.config["APP_ENV"] != "production":
        from shop.emails.views import bp as dev_outbox_bp

        app.register_blueprint(dev_outbox_bp)

    payment_selection.init_app(app)
    templating.init_app(app)
    security_headers.init_app(app)
    private_pages.init_app(app)
    error_pages.init_app(app)
    cli.init_app(app)
    return app
