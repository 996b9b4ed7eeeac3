"""The demo catalog (docs/rules.md#demo-catalog), loaded by `flask shop seed`: idempotent and network-free."""

from dataclasses import dataclass, field

import sqlalchemy as sa

from shop.catalog.demo_pdf import render_text_pdf
from shop.catalog.models import Category, Product, ProductKind, ProductTaxType, ProductVariant
from shop.catalog.services import bump_catalog_revision
from shop.extensions import db
from shop.storage import FileStorage

HEALTH_DISCLAIMER = (
    "This guide is for information and education only. It is not medical advice, and it does not "
    "encourage anyone to break the law. Laws differ between countries and states. Talk to a "
    "qualified healthcare practitioner before changing anything about your health, medication or "
    "routine."
)

CATEGORIES = [
    (
        "guides",
        "Guides",
        "Downloadable guides and workbooks: information, reflection and research.",
    ),
    ("apparel", "Apparel", "Soft, well-made tees and hoodies with our field-guide artwork."),
    (
        "home",
        "Home & desk",
        "Journals, drinkware, tea accessories and prints for a calmer routine.",
    ),
]


@dataclass(frozen=True)
class DemoProduct:
    slug: str
    name: str
    category: str
    kind: ProductKind
    summary: str
    description: str
    image_alt: str
    variants: list[tuple[str, str | None, int, int | None]]  # sku, size, price_cents, stock
    is_featured: bool = False
    is_lead_magnet: bool = False
    guide_pages: list[str] = field(default_factory=list)
    # None: the default for its kind (a guide if digital, housewares otherwise).
    tax_type: ProductTaxType | None = None


SIZES = ("S", "M", "L", "XL")

PRODUCTS = [
    DemoProduct(
        slug="essential-guide-to-microdosing",
        name="The Essential Guide to Microdosing",
        category="guides",
        kind=ProductKind.DIGITAL,
        summary="Our free, plain-language overview of what research says, what it doesn't, and the "
        "questions to bring to your practitioner.",
        description=(
            "A calm, evidence-minded introduction for the curious. We summarise what published "
            "studies have and have not found, where the open questions are, and why expectations "
            "shape so much of what people report.\n\n"
            "You'll find a glossary, a reading list of peer-reviewed sources, a page on legal status "
            "and why it varies by place, and a checklist of questions to take to a healthcare "
            "practitioner.\n\n"
            "Free: enter your email and we'll send you the download link."
        ),
        image_alt="Cover of The Essential Guide: a line drawing of mushroom gills on cream paper",
        variants=[("GUIDE-ESSENTIAL", None, 0, None)],
        is_lead_magnet=True,
        guide_pages=[
            "Welcome. This guide is an overview of the public conversation about microdosing and "
            "of the research published so far. It does not tell anyone to take anything.",
            "What the studies say. Several placebo-controlled studies have found that many of the "
            "benefits people report also appear in placebo groups. Expectation matters, and "
            "honest self-observation matters even more.",
            "The law. Many substances discussed in this field are controlled in most countries. "
            "We never sell them and we do not explain how to obtain them.",
            "Your health. Medications, heart conditions and mental-health history can interact "
            "in ways that matter. A qualified practitioner is the right person to ask.",
            "Journaling. The most useful habit in this field is also the simplest: write down "
            "sleep, mood, focus and energy each day, and look back weekly.",
            HEALTH_DISCLAIMER,
        ],
    ),
    DemoProduct(
        slug="90-day-microdosing-workbook",
        name="90-Day Microdosing Workbook",
        category="guides",
        kind=ProductKind.DIGITAL,
        summary="A printable workbook of daily check-ins, weekly reviews and reflection prompts.",
        description=(
            "Ninety days of structure for self-observation: a two-minute daily check-in for sleep, "
            "mood, focus and energy, a weekly review page, and monthly reflection prompts.\n\n"
            "Print it or fill it in on a tablet. Includes a guide to spotting patterns honestly, "
            "and a page for notes to share with your practitioner."
        ),
        image_alt="Workbook cover with a grid of ninety small circles, a few filled in green",
        variants=[("GUIDE-WORKBOOK", None, 1_900, None)],
        is_featured=True,
        guide_pages=[
            "How to use this workbook. Spend two minutes each evening on the daily check-in.",
            "Daily check-in. Sleep (hours and quality), mood, focus, energy, one sentence.",
            "Weekly review. What changed? What stayed the same? What would you tell a friend?",
            HEALTH_DISCLAIMER,
        ],
    ),
    DemoProduct(
        slug="integration-and-relationships-guide",
        name="Integration & Relationships Guide",
        category="guides",
        kind=ProductKind.DIGITAL,
        summary="Conversations, boundaries and reflection: bringing insight into everyday life.",
        description=(
            "A practical guide to the part that happens afterwards: talking with partners, family "
            "and friends, setting boundaries, and turning reflection into small, lasting habits.\n\n"
            "With conversation starters, a values worksheet and a list of ways to find "
            "integration support from qualified professionals."
        ),
        image_alt="Guide cover showing two overlapping circles drawn in ink",
        variants=[("GUIDE-INTEGRATION", None, 1_400, None)],
        guide_pages=[
            "Integration is the work of bringing insight into ordinary days.",
            "Conversations. Start with what you noticed, not with what you concluded.",
            HEALTH_DISCLAIMER,
        ],
    ),
    DemoProduct(
        slug="90-day-journal-printed",
        tax_type=ProductTaxType.PRINTED_BOOK,
        name="90-Day Journal, printed, 160 pages",
        category="home",
        kind=ProductKind.PHYSICAL,
        summary="A lay-flat, 160-page printed journal with the workbook's check-ins built in.",
        description=(
            "Our workbook, properly bound: 160 pages of 100 gsm cream paper, lay-flat binding, a "
            "ribbon marker and a pocket at the back.\n\n"
            "Printed on FSC-certified paper. A5, 148 × 210 mm."
        ),
        image_alt="A green cloth-bound journal lying open on a wooden desk",
        variants=[("JOURNAL-PRINTED", None, 2_400, 50)],
        is_featured=True,
    ),
    DemoProduct(
        slug="mycelium-tee",
        tax_type=ProductTaxType.APPAREL,
        name="Mycelium Tee",
        category="apparel",
        kind=ProductKind.PHYSICAL,
        summary="Heavyweight organic cotton tee with a hand-drawn mycelium network print.",
        description=(
            "Our everyday tee: 220 gsm organic cotton, a relaxed fit and a soft water-based print "
            "of a mycelium network across the chest.\n\n"
            "Pre-shrunk. Machine wash cold, hang to dry."
        ),
        image_alt="Off-white tee with a fine white-line mycelium network printed on the chest",
        variants=[(f"TEE-MYCELIUM-{size}", size, 3_200, 20) for size in SIZES],
        is_featured=True,
    ),
    DemoProduct(
        slug="spore-print-hoodie",
        tax_type=ProductTaxType.APPAREL,
        name="Spore Print Hoodie",
        category="apparel",
        kind=ProductKind.PHYSICAL,
        summary="Brushed-fleece hoodie with a radial spore-print graphic on the back.",
        description=(
            "A warm, midweight hoodie in brushed organic fleece, with a large radial spore-print "
            "graphic on the back and a small logo on the chest.\n\n"
            "Relaxed fit; size down for a closer fit. Machine wash cold."
        ),
        image_alt="Charcoal hoodie with a radial spore-print pattern on the back",
        variants=[(f"HOODIE-SPORE-{size}", size, 6_800, 10) for size in SIZES],
        is_featured=True,
    ),
    DemoProduct(
        slug="enamel-camp-mug",
        name="Enamel Camp Mug",
        category="home",
        kind=ProductKind.PHYSICAL,
        summary="A 350 ml enamel mug for tea at the desk or by the fire.",
        description=(
            "Steel with a glossy enamel finish and a rolled rim. Holds 350 ml.\n\n"
            "Hand wash. Not for the microwave."
        ),
        image_alt="White enamel mug with a green rim and a small mushroom illustration",
        variants=[("MUG-ENAMEL", None, 1_800, 40)],
    ),
    DemoProduct(
        slug="stainless-tea-infuser",
        name="Stainless Tea Infuser",
        category="home",
        kind=ProductKind.PHYSICAL,
        summary="A fine-mesh stainless steel infuser that fits most mugs and teapots.",
        description=(
            "Fine 18/8 stainless steel mesh with a lid that doubles as a drip tray.\n\nDishwasher safe."
        ),
        image_alt="Round stainless steel tea infuser beside its lid",
        variants=[("INFUSER-TEA", None, 1_200, 60)],
    ),
    DemoProduct(
        slug="canvas-tote",
        name="Canvas Tote",
        category="home",
        kind=ProductKind.PHYSICAL,
        summary="A sturdy 12 oz cotton canvas tote with long handles.",
        description=(
            "Heavy 12 oz natural cotton canvas, reinforced handles long enough for the shoulder, "
            "and an inside pocket.\n\n"
            "38 × 42 cm."
        ),
        image_alt="Natural canvas tote bag with a small printed mushroom logo",
        variants=[("TOTE-CANVAS", None, 2_200, 30)],
    ),
    DemoProduct(
        slug="mushroom-field-guide-poster",
        name="Mushroom Field Guide Poster",
        category="home",
        kind=ProductKind.PHYSICAL,
        summary="A botanical-style poster of twelve common woodland mushrooms, A2.",
        description=(
            "Twelve common, legal woodland species drawn in a vintage field-guide style, with "
            "their common and Latin names. For admiring, not foraging: never eat a wild mushroom "
            "on the strength of a poster.\n\n"
            "A2 (420 × 594 mm), printed on 200 gsm matte paper. Frame not included."
        ),
        image_alt="Poster with twelve illustrated mushrooms arranged in a grid with labels",
        variants=[("POSTER-FIELD", None, 2_800, 25)],
    ),
]


def guide_file_key(slug: str) -> str:
    return f"{slug}.pdf"


def seed_demo_catalog(storage: FileStorage) -> dict[str, int]:
    """Create whatever part of the demo catalog is missing; existing rows are left as staff left them.

    Returns counts of what was created. Commits once.
    """
    created = {"categories": 0, "products": 0, "variants": 0, "files": 0}
    categories: dict[str, Category] = {}
    for position, (slug, name, description) in enumerate(CATEGORIES):
        category = db.session.scalar(sa.select(Category).where(Category.slug == slug))
        if category is None:
            category = Category(slug=slug, name=name, description=description, position=position)
            db.session.add(category)
            created["categories"] += 1
        categories[slug] = category

    for position, demo in enumerate(PRODUCTS):
        product = db.session.scalar(sa.select(Product).where(Product.slug == demo.slug))
        if product is None:
            product = Product(
                slug=demo.slug,
                name=demo.name,
                category=categories[demo.category],
                kind=demo.kind,
                summary=demo.summary,
                description=demo.description,
                image_path=f"img/products/{demo.slug}.svg",
                image_alt=demo.image_alt,
                guide_file=guide_file_key(demo.slug) if demo.kind == ProductKind.DIGITAL else None,
                is_lead_magnet=demo.is_lead_magnet,
                is_published=True,
                is_featured=demo.is_featured,
                tax_type=demo.tax_type,
                position=position,
            )
            db.session.add(product)
            created["products"] += 1
        known_skus = {variant.sku for variant in product.variants}
        for variant_position, (sku, size, price_cents, stock) in enumerate(demo.variants):
            if sku in known_skus:
                continue
            if db.session.scalar(sa.select(ProductVariant.id).where(ProductVariant.sku == sku)):
                continue  # the SKU was moved to another product by staff; leave it there
            product.variants.append(
                ProductVariant(
                    sku=sku,
                    option_name="Size" if size else None,
                    option_value=size,
                    price_cents=price_cents,
                    stock_on_hand=stock,
                    position=variant_position,
                )
            )
            created["variants"] += 1
        if demo.kind == ProductKind.DIGITAL and not storage.exists(guide_file_key(demo.slug)):
            storage.save(guide_file_key(demo.slug), render_text_pdf(demo.name, demo.guide_pages))
            created["files"] += 1

    if created["categories"] or created["products"] or created["variants"]:
        bump_catalog_revision()
    db.session.commit()
    return created


def catalog_is_empty() -> bool:
    return db.session.scalar(sa.select(sa.func.count(Product.id))) == 0
