"""Admin: the comment moderation queue (approve, reject as spam, delete, several at once), the shop's
reply to a comment, and the articles report. Routes register on the admin blueprint (its guard applies)."""

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from shop.admin import insight_charts, insights
from shop.admin.blueprint import bp, current_actor
from shop.admin.insight_views import money, range_context, requested_window
from shop.form_fields import query_text
from shop.journal import comments
from shop.journal.comment_forms import CommentModerationForm, CommentReplyForm
from shop.journal.comment_models import CommentStatus
from shop.pagination import existing_page_count, requested_page

Page = str | tuple[str, int] | Response

STATUS_TABS = (
    (CommentStatus.PENDING, "Waiting"),
    (CommentStatus.APPROVED, "Approved"),
    (CommentStatus.SPAM, "Spam"),
)
DONE = {
    comments.ModerationAction.APPROVE: "Approved",
    comments.ModerationAction.SPAM: "Rejected as spam",
    comments.ModerationAction.DELETE: "Deleted",
}


def _status() -> str:
    status = query_text("status") or CommentStatus.PENDING
    if status not in set(CommentStatus):
        abort(404, description="There is no such list of comments.")
    return status


def _queue_page(form: CommentModerationForm, status: str, http_status: int = 200) -> Page:
    page = requested_page()
    queue = comments.list_queue(status, page=page)
    pages = existing_page_count(page, queue.total, comments.MODERATION_PAGE_SIZE)
    html = render_template(
        "admin/comments.html",
        queue=queue,
        form=form,
        tabs=STATUS_TABS,
        page=page,
        pages=pages,
    )
    return (html, http_status) if http_status != 200 else html


@bp.get("/comments")
def comments_queue() -> Page:
    return _queue_page(CommentModerationForm(formdata=None), _status())


@bp.post("/comments")
def comments_moderate() -> Page:
    status = _status()
    form = CommentModerationForm()
    if not form.validate():
        flash("Nothing was changed: " + _first_error(form), "error")
        return _queue_page(form, status, 400)
    try:
        result = comments.moderate(current_actor(), form.action.data, form.comment_ids.data)
    except comments.CommentError as error:
        flash(error.message, "error")
        return _queue_page(form, status, error.status_code)
    noun = "comment" if result.changed == 1 else "comments"
    message = f"{DONE[form.action.data]} {result.changed} {noun}."
    if result.emailed:
        message += f" {result.emailed} commenter{'' if result.emailed == 1 else 's'} will get an email."
    flash(message, "success")
    return redirect(url_for("admin.comments_queue", status=status), code=303)


def _first_error(form: CommentModerationForm) -> str:
    for errors in form.errors.values():
        if errors:
            return str(errors[0])
    return "the form was incomplete."


@bp.route("/comments/<int:comment_id>/reply", methods=["GET", "POST"])
def comment_reply(comment_id: int) -> Page:
    comment = comments.get_comment(comment_id)
    if comment is None or comment.is_staff_reply:
        abort(404, description="There is no such comment. It may have been deleted.")
    form = CommentReplyForm()
    error = None
    if form.validate_on_submit():
        try:
            comments.reply_as_shop(
                current_actor(), comment_id, body=form.body.data, shop_name=current_app.config["SHOP_NAME"]
            )
        except comments.CommentError as failure:
            error = failure
        else:
            flash("Your reply is live under the comment.", "success")
            return redirect(url_for("admin.comments_queue", status=CommentStatus.APPROVED), code=303)
    html = render_template("admin/comment_reply.html", comment=comment, form=form, error=error)
    if error is not None:
        return html, error.status_code
    return (html, 400) if request.method == "POST" else html


@bp.get("/reports/articles")
def article_report() -> str:
    window, message = requested_window()
    rows = insights.articles(window)
    return render_template(
        "admin/article_report.html",
        rows=rows,
        chart=insight_charts.articles_chart(rows, money),
        **range_context(window, message),
    )
