"""Admin: the journal's article editor (list, write, preview, hero image, schedule, publish, unpublish).

Routes register on the admin blueprint, so its guard (staff only, roles from shop/admin/permissions.py)
covers them. The preview is rendered on the server from the unsaved form: no script in the page.
"""

from flask import abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from shop.admin.blueprint import bp, current_actor
from shop.clock import utcnow
from shop.journal import staff_actions
from shop.journal.errors import ArticleEditError
from shop.journal.forms import ArticleActionForm, ArticleForm, ArticleImageForm, ArticleScheduleForm
from shop.journal.models import Article
from shop.journal.services import stage_label
from shop.journal.staff_actions import ArticleDetails
from shop.journal.views import article_page_parts
from shop.media import MAX_IMAGE_BYTES, InvalidUploadError, save_image
from shop.storage import UPLOAD_UNAVAILABLE_MESSAGE, StorageUnavailableError

Page = str | tuple[str, int] | Response


def _article_or_404(article_id: int) -> Article:
    article = staff_actions.get_article_for_staff(article_id)
    if article is None:
        abort(404, description="There is no article with that number.")
    return article


def _with_products(form: ArticleForm) -> ArticleForm:
    form.related_products.choices = [
        SelectChoice(product.id, product.name + ("" if product.is_published else " (hidden from shoppers)"))
        for product in staff_actions.list_relatable_products()
    ]
    return form


def _details(form: ArticleForm) -> ArticleDetails:
    return ArticleDetails(
        title=form.title.data or "",
        slug=form.slug.data or staff_actions.slugify(form.title.data or ""),
        summary=form.summary.data or "",
        body_markdown=form.body_markdown.data or "",
        author_name=form.author_name.data or "",
        topic=form.topic.data or "",
        hero_image_alt=form.hero_image_alt.data or "",
        related_product_ids=tuple(form.related_products.data or ()),
    )


def _attach_error(form: object, error: ArticleEditError) -> None:
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        flash(error.message, "error")


@bp.get("/journal")
def journal_articles() -> Page:
    articles = staff_actions.list_articles_for_staff()
    return render_template(
        "admin/journal_articles.html",
        articles=[(article, stage_label(article, utcnow())) for article in articles],
    )


@bp.route("/journal/new", methods=["GET", "POST"])
def journal_article_new() -> Page:
    form = _with_products(ArticleForm())
    if form.validate_on_submit():
        try:
            article = staff_actions.create_article(current_actor(), _details(form))
        except ArticleEditError as error:
            _attach_error(form, error)
        else:
            flash("Draft saved. Visitors can't see it until you publish or schedule it.", "success")
            return redirect(url_for("admin.journal_article_edit", article_id=article.id), code=303)
    return render_template("admin/journal_article_new.html", form=form), 400 if form.errors else 200


def _edit_page(article: Article, status: int = 200, **forms: object) -> tuple[str, int]:
    form = forms.get("form") or _with_products(
        ArticleForm(
            obj=article, related_products=[product.id for product in article.related_products], formdata=None
        )
    )
    schedule_form = forms.get("schedule_form") or ArticleScheduleForm(
        formdata=None, publish_at=article.publish_at.replace(tzinfo=None) if article.publish_at else None
    )
    return (
        render_template(
            "admin/journal_article_edit.html",
            article=article,
            status=stage_label(article, utcnow()),
            form=form,
            schedule_form=schedule_form,
            image_form=forms.get("image_form")
            or ArticleImageForm(formdata=None, image_alt=article.hero_image_alt),
            action_form=ArticleActionForm(),
        ),
        status,
    )


@bp.route("/journal/<int:article_id>", methods=["GET", "POST"])
def journal_article_edit(article_id: int) -> Page:
    article = _article_or_404(article_id)
    if request.method == "GET":
        return _edit_page(article)
    form = _with_products(ArticleForm())
    if form.validate_on_submit():
        try:
            staff_actions.update_article(current_actor(), article.id, _details(form))
        except ArticleEditError as error:
            _attach_error(form, error)
        else:
            flash("Saved.", "success")
            return redirect(url_for("admin.journal_article_edit", article_id=article.id), code=303)
    return _edit_page(_article_or_404(article_id), 400, form=form)


@bp.post("/journal/preview")
def journal_article_preview() -> Page:
    """The article as visitors would see it, from the form as typed (nothing is saved)."""
    form = _with_products(ArticleForm())
    article_id = request.args.get("article_id", type=int)
    saved = staff_actions.get_article_for_staff(article_id) if article_id else None
    if not form.validate_on_submit():
        return render_template("admin/journal_article_preview.html", form=form, page=None), 400
    details = _details(form)
    products = [
        p for p in staff_actions.list_relatable_products() if p.id in set(details.related_product_ids)
    ]
    draft = Article(
        id=saved.id if saved else 0,
        slug=details.slug or "preview",
        title=details.title,
        summary=details.summary,
        body_markdown=details.body_markdown,
        author_name=details.author_name,
        topic=details.topic,
        hero_image_path=saved.hero_image_path if saved else None,
        hero_image_alt=details.hero_image_alt,
        published_at=saved.published_at if saved else None,
        updated_at=utcnow(),
        related_products=products,
    )
    page = article_page_parts(draft, now=utcnow(), live=False)
    return render_template("admin/journal_article_preview.html", form=form, page=page, saved=saved)


@bp.post("/journal/<int:article_id>/publish")
def journal_article_publish(article_id: int) -> Page:
    article = _article_or_404(article_id)
    if ArticleActionForm().validate_on_submit():
        try:
            staff_actions.publish_article(current_actor(), article.id, now=utcnow())
        except ArticleEditError as error:
            flash(error.message, "error")
            return _edit_page(_article_or_404(article_id), 400)
        flash("Published: visitors can read it now.", "success")
    return redirect(url_for("admin.journal_article_edit", article_id=article.id), code=303)


@bp.post("/journal/<int:article_id>/schedule")
def journal_article_schedule(article_id: int) -> Page:
    article = _article_or_404(article_id)
    form = ArticleScheduleForm()
    if form.validate_on_submit():
        try:
            staff_actions.schedule_article(
                current_actor(), article.id, publish_at=form.publish_at_utc(), now=utcnow()
            )
        except ArticleEditError as error:
            _attach_error(form, error)
        else:
            flash(f"Scheduled: it goes live on {form.publish_at_utc():%Y-%m-%d at %H:%M} UTC.", "success")
            return redirect(url_for("admin.journal_article_edit", article_id=article.id), code=303)
    return _edit_page(_article_or_404(article_id), 400, schedule_form=form)


@bp.post("/journal/<int:article_id>/unpublish")
def journal_article_unpublish(article_id: int) -> Page:
    article = _article_or_404(article_id)
    if ArticleActionForm().validate_on_submit():
        staff_actions.unpublish_article(current_actor(), article.id, now=utcnow())
        flash("Unpublished: back to draft, hidden from visitors.", "success")
    return redirect(url_for("admin.journal_article_edit", article_id=article.id), code=303)


@bp.post("/journal/<int:article_id>/image")
def journal_article_image(article_id: int) -> Page:
    article = _article_or_404(article_id)
    form = ArticleImageForm()
    if form.validate_on_submit():
        if not (form.image_alt.data or article.hero_image_alt):
            form.image_alt.errors = [
                *form.image_alt.errors,
                "Describe the image for people who can't see it.",
            ]
            return _edit_page(article, 400, image_form=form)
        try:
            path = save_image(form.image.data.read(MAX_IMAGE_BYTES + 1))
            staff_actions.set_hero_image(
                current_actor(), article.id, image_path=path, image_alt=form.image_alt.data or ""
            )
        except InvalidUploadError as error:
            form.image.errors = [*form.image.errors, str(error)]
        except ArticleEditError as error:
            _attach_error(form, error)
        except StorageUnavailableError:
            form.image.errors = [*form.image.errors, UPLOAD_UNAVAILABLE_MESSAGE]
            return _edit_page(_article_or_404(article_id), 503, image_form=form)
        else:
            flash("Hero image updated.", "success")
            return redirect(url_for("admin.journal_article_edit", article_id=article.id), code=303)
    return _edit_page(_article_or_404(article_id), 400, image_form=form)
