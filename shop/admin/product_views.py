"""Admin: products and variants, publishing, stock adjustments, image and PDF uploads."""

from flask import abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from shop.admin.blueprint import bp, current_actor
from shop.admin.forms import (
    GuideUploadForm,
    ImageUploadForm,
    NewProductForm,
    NewVariantForm,
    ProductForm,
    PublishForm,
    StockAdjustForm,
    VariantForm,
)
from shop.catalog import editing
from shop.catalog.editing import CatalogEditError, ProductDetails, VariantDetails
from shop.catalog.models import Product, ProductKind
from shop.form_fields import query_text
from shop.media import InvalidUploadError, save_image
from shop.pagination import existing_page_count, requested_page
from shop.storage import UPLOAD_UNAVAILABLE_MESSAGE, StorageUnavailableError, guide_storage

Page = str | tuple[str, int] | Response


def _product_or_404(product_id: int) -> Product:
    product = editing.get_product_for_staff(product_id)
    if product is None:
        abort(404, description="There is no product with that number.")
    return product


def _details(form: ProductForm) -> ProductDetails:
    return ProductDetails(
        name=form.name.data,
        slug=form.slug.data or editing.slugify(form.name.data),
        category_slug=form.category.data,
        summary=form.summary.data,
        description=form.description.data or "",
        image_alt=form.image_alt.data or "",
        is_featured=bool(form.is_featured.data),
        tax_type=form.tax_type.data or None,
    )


def _variant_details(form: VariantForm | NewProductForm) -> VariantDetails:
    """The variant part of a form; a new product's first variant has no option (size) fields."""
    option_name = getattr(form, "option_name", None)
    option_value = getattr(form, "option_value", None)
    return VariantDetails(
        sku=form.sku.data,
        option_name=(option_name.data or None) if option_name else None,
        option_value=(option_value.data or None) if option_value else None,
        price_cents=form.price.cents or 0,
    )


def _attach_error(form: object, error: CatalogEditError) -> None:
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        flash(error.message, "error")


def _with_categories(form: ProductForm) -> ProductForm:
    form.category.choices = [SelectChoice(c.slug, c.name) for c in editing.list_categories()]
    return form


@bp.get("/products")
def products() -> Page:
    search = query_text("q")
    page = requested_page()
    items, total = editing.list_products_for_staff(search=search, page=page)
    pages = existing_page_count(page, total, editing.STAFF_PAGE_SIZE)
    return render_template(
        "admin/products.html",
        products=items,
        total=total,
        page=page,
        pages=pages,
        search=search,
    )


@bp.route("/products/new", methods=["GET", "POST"])
def product_new() -> Page:
    form = _with_categories(NewProductForm())
    if form.validate_on_submit():
        try:
            product = editing.create_product(
                current_actor(),
                _details(form),
                kind=ProductKind(form.kind.data),
                variant=_variant_details(form),
                initial_stock=form.initial_stock.data,
            )
        except CatalogEditError as error:
            _attach_error(form, error)
        else:
            flash(f"Created {product.name}. It stays hidden from shoppers until you publish it.", "success")
            return redirect(url_for("admin.product_edit", product_id=product.id), code=303)
    return render_template("admin/product_new.html", form=form), 400 if form.errors else 200


def _edit_page(product: Product, status: int = 200, **forms: object) -> tuple[str, int]:
    product_form = forms.get("product_form") or _with_categories(
        ProductForm(obj=product, category=product.category.slug, formdata=None)
    )
    return (
        render_template(
            "admin/product_edit.html",
            product=product,
            product_form=product_form,
            new_variant_form=forms.get("new_variant_form") or NewVariantForm(formdata=None),
            stock_form=forms.get("stock_form") or StockAdjustForm(formdata=None),
            stock_variant_id=forms.get("stock_variant_id"),
            image_form=forms.get("image_form") or ImageUploadForm(formdata=None, image_alt=product.image_alt),
            guide_form=forms.get("guide_form") or GuideUploadForm(formdata=None),
            publish_form=PublishForm(),
            history=editing.list_stock_history(product.id),
        ),
        status,
    )


@bp.route("/products/<int:product_id>", methods=["GET", "POST"])
def product_edit(product_id: int) -> Page:
    product = _product_or_404(product_id)
    if request.method == "GET":
        return _edit_page(product)
    form = _with_categories(ProductForm())
    if form.validate_on_submit():
        try:
            editing.update_product(current_actor(), product.id, _details(form))
        except CatalogEditError as error:
            _attach_error(form, error)
        else:
            flash("Saved.", "success")
            return redirect(url_for("admin.product_edit", product_id=product.id), code=303)
    return _edit_page(_product_or_404(product_id), 400, product_form=form)


@bp.post("/products/<int:product_id>/publish")
def product_publish(product_id: int) -> Page:
    product = _product_or_404(product_id)
    form = PublishForm()
    publish = request.form.get("publish") == "1"
    if form.validate_on_submit():
        try:
            editing.set_published(current_actor(), product.id, publish)
        except CatalogEditError as error:
            flash(error.message, "error")
            return _edit_page(_product_or_404(product_id), 400)
        flash(
            "Published: shoppers can see it now." if publish else "Unpublished: hidden from shoppers.",
            "success",
        )
    return redirect(url_for("admin.product_edit", product_id=product.id), code=303)


@bp.post("/products/<int:product_id>/variants")
def variant_new(product_id: int) -> Page:
    product = _product_or_404(product_id)
    form = NewVariantForm()
    if form.validate_on_submit():
        try:
            editing.add_variant(
                current_actor(), product.id, _variant_details(form), initial_stock=form.initial_stock.data
            )
        except CatalogEditError as error:
            _attach_error(form, error)
        else:
            flash(f"Added {form.sku.data}.", "success")
            return redirect(url_for("admin.product_edit", product_id=product.id), code=303)
    return _edit_page(_product_or_404(product_id), 400, new_variant_form=form)


@bp.post("/variants/<int:variant_id>")
def variant_edit(variant_id: int) -> Page:
    form = VariantForm()
    product_id = _product_id_for_variant(variant_id)
    if form.validate_on_submit():
        try:
            editing.update_variant(current_actor(), variant_id, _variant_details(form))
        except CatalogEditError as error:
            flash(error.message, "error")
            return _edit_page(_product_or_404(product_id), 400)
        flash(f"Saved {form.sku.data}.", "success")
        return redirect(url_for("admin.product_edit", product_id=product_id), code=303)
    flash(" ".join(str(e) for errors in form.errors.values() for e in errors), "error")
    return _edit_page(_product_or_404(product_id), 400)


@bp.post("/variants/<int:variant_id>/stock")
def variant_stock(variant_id: int) -> Page:
    form = StockAdjustForm()
    product_id = _product_id_for_variant(variant_id)
    if form.validate_on_submit():
        try:
            adjustment = editing.adjust_stock(
                current_actor(), variant_id, delta=form.delta.data, reason=form.reason.data
            )
        except CatalogEditError as error:
            _attach_error(form, error)
        else:
            flash(f"Stock is now {adjustment.stock_after}.", "success")
            return redirect(url_for("admin.product_edit", product_id=product_id), code=303)
    return _edit_page(_product_or_404(product_id), 400, stock_form=form, stock_variant_id=variant_id)


@bp.post("/products/<int:product_id>/image")
def product_image(product_id: int) -> Page:
    product = _product_or_404(product_id)
    form = ImageUploadForm()
    if form.validate_on_submit():
        try:
            path = save_image(form.image.data.read(editing.MAX_GUIDE_BYTES))
        except InvalidUploadError as error:
            form.image.errors = [*form.image.errors, str(error)]
        except StorageUnavailableError:
            # Nothing was stored and the product is unchanged: the image is saved before the product row.
            form.image.errors = [*form.image.errors, UPLOAD_UNAVAILABLE_MESSAGE]
            return _edit_page(product, 503, image_form=form)
        else:
            editing.set_image(
                current_actor(), product.id, image_path=path, image_alt=form.image_alt.data or ""
            )
            flash("Image updated.", "success")
            return redirect(url_for("admin.product_edit", product_id=product.id), code=303)
    return _edit_page(product, 400, image_form=form)


@bp.post("/products/<int:product_id>/guide")
def product_guide(product_id: int) -> Page:
    product = _product_or_404(product_id)
    form = GuideUploadForm()
    if form.validate_on_submit():
        try:
            editing.set_guide_file(
                current_actor(),
                product.id,
                data=form.pdf.data.read(editing.MAX_GUIDE_BYTES + 1),
                storage=guide_storage(),
            )
        except CatalogEditError as error:
            _attach_error(form, error)
        except StorageUnavailableError:
            form.pdf.errors = [*form.pdf.errors, UPLOAD_UNAVAILABLE_MESSAGE]
            return _edit_page(_product_or_404(product_id), 503, guide_form=form)
        else:
            flash("PDF uploaded.", "success")
            return redirect(url_for("admin.product_edit", product_id=product.id), code=303)
    return _edit_page(_product_or_404(product_id), 400, guide_form=form)


def _product_id_for_variant(variant_id: int) -> int:
    product_id = editing.get_product_id_for_variant(variant_id)
    if product_id is None:
        abort(404, description="There is no item with that number.")
    return product_id
