"""The session interface reuses its serializer, but never across a change of keys."""

from flask import Flask, session

from shop.sessions import SessionInterface


def make_session_app(secret_key: str) -> Flask:
    app = Flask(__name__)
    app.secret_key = secret_key
    app.session_interface = SessionInterface()

    @app.get("/set")
    def set_value() -> str:
        session["cart_token"] = "abc"
        return "ok"

    @app.get("/get")
    def get_value() -> str:
        return session.get("cart_token", "none")

    return app


def test_the_serializer_is_built_once_for_the_same_keys() -> None:
    app = make_session_app("first-key")
    interface = app.session_interface

    assert interface.get_signing_serializer(app) is interface.get_signing_serializer(app)


def test_a_session_survives_a_key_rotation_only_through_the_fallbacks() -> None:
    app = make_session_app("first-key")
    client = app.test_client()
    client.get("/set")
    assert client.get("/get").text == "abc"

    app.secret_key = "second-key"
    assert client.get("/get").text == "none"  # the cached serializer did not outlive the key

    app.config["SECRET_KEY_FALLBACKS"] = ["first-key"]
    assert client.get("/get").text == "abc"
