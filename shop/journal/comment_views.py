"""Public comment pages: posting a comment on an article and stopping the "your comment is live" emails.
Routes register on the journal blueprint; the rules are in shop/journal/comments.py."""

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for

from shop.clock import utcnow
from shop.extensions import csrf, limiter
from shop.guides.services import mask_email
from shop.journal import comments, services
from shop.journal.comment_context import fresh_comment_form
from shop.journal.comment_forms import CommentForm
from shop.journal.models import Article
from shop.journal.views import bp
from shop.rate_limits import submitted_email_key

ONE_CLICK_FIELD = "List-Unsubscribe"
ONE_CLICK_VALUE = "One-Click"


def _limit_per_ip() -> str:
    return current_app.config["COMMENT_LIMIT_PER_IP"]


def _limit_per_email() -> str:
    return current_app.config["COMMENT_LIMIT_PER_EMAIL"]


def _live_article_or_404(slug: str) -> Article:
    article = services.get_live_article(slug, now=utcnow())
    if article is None:
        abort(404, description="We couldn't find that article.")
    return article


def _form_again(
    article: Article, form: CommentForm, error: comments.CommentError | None, status: int
) -> tuple[str, int]:
    """The form once more, with what was typed and why it was not taken."""
    too_fast = isinstance(error, comments.CommentTooFastError)
    return render_template(
        "journal/comment_form_page.html",
        article=article,
        comment_error=error.message if error else None,
        comment_form=fresh_comment_form(article.id, form, keep_stamp=too_fast),
    ), status


@bp.post("/journal/<slug>/comments")
@limiter.limit(_limit_per_ip)
@limiter.limit(_limit_per_email, key_func=submitted_email_key)
def post_comment(slug: str) -> Response | tuple[str, int]:
    article = _live_article_or_404(slug)
    form = CommentForm()
    if not form.validate():
        return _form_again(article, form, None, 400)
    try:
        result = comments.submit_comment(
            article.id,
            name=form.name.data or "",
            email=form.email.data,
            body=form.body.data or "",
            honeypot=form.website.data or "",
            form_stamp_value=form.started.data or "",
        )
    except comments.CommentError as error:
        return _form_again(article, form, error, error.status_code)
    if result.published:
        flash("Thank you. Your comment is live.", "success")
        anchor = f"comment-{result.comment_id}"
    else:
        flash(
            "Thank you. Your comment is waiting for moderation and will appear once we've read it.",
            "success",
        )
        anchor = "comments"
    return redirect(url_for("journal.article_detail", slug=article.slug, _anchor=anchor), code=303)


def _emails_page(token: str, email: str | None, stopped: bool, status: int = 200) -> Response:
    response = current_app.make_response(
        (
            render_template(
                "journal/comment_emails.html",
                token=token,
                masked_email=mask_email(email) if email else None,
                stopped=stopped,
            ),
            status,
        )
    )
    # Reached through a secret link: not indexed, and the URL never leaks as a referrer.
    response.headers["X-Robots-Tag"] = "noindex"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.get("/journal/comment-emails/<token>")
def comment_emails(token: str) -> Response:
    """Reading the page changes nothing (mail scanners open links); its button does."""
    email = comments.email_from_token(token)
    if email is None:
        return _emails_page(token, None, False, 404)
    return _emails_page(token, email, comments.is_opted_out(email))


@bp.post("/journal/comment-emails/<token>")
@csrf.exempt
def stop_comment_emails(token: str) -> Response:
    """Both the page's button and RFC 8058 one-click from the mail provider (no cookie, no CSRF token:
    the signed address in the URL is the authority). The page's own form is CSRF-checked as usual."""
    one_click = request.form.get(ONE_CLICK_FIELD) == ONE_CLICK_VALUE
    if not one_click and current_app.config["WTF_CSRF_ENABLED"]:
        csrf.protect()
    try:
        email = comments.stop_emails(token)
    except comments.CommentError as error:
        return _emails_page(token, None, False, error.status_code)
    if one_click:
        return _emails_page(token, email, True)  # RFC 8058: answer the POST itself
    flash("Done. We won't email you about your comments again.", "success")
    return redirect(url_for("journal.comment_emails", token=token), code=303)
