"""Public journal pages: the article list and one article."""

from flask import Blueprint, abort, render_template

from shop.journal import services
from shop.journal.comment_context import comment_section

bp = Blueprint("journal", __name__)


@bp.get("/journal")
def article_list() -> str:
    articles = services.list_live_articles()
    return render_template("journal/article_list.html", articles=articles)


@bp.get("/journal/<slug>")
def article_detail(slug: str) -> str:
    article = services.get_live_article(slug)
    if article is None:
        abort(404, description="We couldn't find that article.")
    return render_template("journal/article_detail.html", article=article, **comment_section(article.id))
