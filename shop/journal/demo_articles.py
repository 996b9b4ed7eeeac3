"""The demo journal for `flask shop seed`: two published articles and one draft, written for this shop.

They talk about everyday practices (listening, writing things down) and make no claim that any
substance or product treats any condition.
"""

from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa

from shop.catalog.models import Product
from shop.catalog.services import bump_catalog_revision
from shop.clock import utcnow
from shop.database import committing
from shop.extensions import db
from shop.journal.models import Article, ArticleStatus


@dataclass(frozen=True)
class DemoArticle:
    slug: str
    title: str
    summary: str
    topic: str
    author_name: str
    body_markdown: str
    status: ArticleStatus
    days_ago: int | None
    hero_image_path: str | None = None
    hero_image_alt: str = ""
    related_slugs: tuple[str, ...] = ()


LISTENING = """\
Most arguments between people who care about each other are not about the dishes, the calendar or the
money. They are about not feeling heard. The good news is that listening is a skill, and skills get
better with practice.

## Listen to understand, not to reply

When someone we love is upset, we tend to prepare our answer while they are still talking. Try a
different goal for one conversation this week: at the end, be able to say back what they meant, in your
own words, well enough that they nod.

- Let them finish. A pause is not an invitation to start.
- Ask one open question, such as *what was the hardest part of that?*
- Summarise before you respond: *so the part that stung was that nobody asked you first.*

## Say what you need, not what they did wrong

"You never plan anything" invites a defence. "I'd love it if we chose one weekend a month together"
invites a plan. Describing your own need is less satisfying in the moment and far more useful
afterwards.

## Pick the moment

Hard conversations go better when neither of you is hungry, rushed or half-watching a screen. It is fine
to say *this matters to me, can we talk about it after dinner?* Choosing the time is a sign of respect,
not avoidance.

## Repair counts more than perfection

Every couple, family and friendship has clumsy moments. What keeps trust growing is the repair: coming
back a little later and saying *I was short with you earlier, and I'm sorry. Can we try again?*

> A relationship is not the absence of misunderstanding. It is the habit of coming back to each other
> after one.

If you want a place to practise, our *Integration & Relationships Guide* has conversation prompts you can
use together, and the [printed journal](/products/90-day-journal-printed) leaves room to note what you
learned.
"""

JOURNAL = """\
A reflective journal is not a diary of everything that happened. It is a few honest minutes with
yourself, on paper, that help you notice patterns you would otherwise miss.

## Start small

Five minutes is enough. Keep the notebook where you will see it, and pick the same moment each day:
with the morning coffee, or just before the lights go out.

## Three questions that always work

1. What took most of my attention today?
2. What did I feel, and where did I feel it?
3. What would I like to do differently tomorrow, even slightly?

On days when nothing comes, write one sentence about the weather or what you ate. Keeping the habit
matters more than writing something clever.

## Read back, gently

Once a week, read the last seven entries. Look for repeats: the same worry, the same person, the same
time of day when energy drops. Underline them. You are collecting information, not grading yourself.

## Keep it private

A journal works because it is honest, and it stays honest when nobody else reads it. Write as if the
page will never be shown to anyone, because it won't be.

## When to talk to someone

Writing can bring up heavy feelings. If it does, or if something you notice worries you, share it with a
person you trust or a qualified professional. A journal is a good companion, not a replacement for
support.

Want a structure to follow? The [90-Day Journal](/products/90-day-journal-printed) gives each day a
prompt and each week a page to look back.
"""

DRAFT = """\
Notes for a future article on slowing down at the weekend: a walk without headphones, a meal cooked
from scratch, an hour with no plan at all.
"""

DEMO_ARTICLES = (
    DemoArticle(
        slug="listening-in-relationships",
        title="Listening that brings you closer",
        summary="Small, practical habits for feeling heard, and for helping the people you love feel "
        "heard too.",
        topic="Relationships",
        author_name="The Good Spores team",
        body_markdown=LISTENING,
        status=ArticleStatus.PUBLISHED,
        days_ago=12,
        hero_image_path="img/journal/listening-hero.svg",
        hero_image_alt="Two overlapping speech bubbles on a green background",
        related_slugs=("integration-and-relationships-guide", "90-day-journal-printed"),
    ),
    DemoArticle(
        slug="keeping-a-reflective-journal",
        title="How to keep a reflective journal you will actually use",
        summary="Five minutes, three questions and a weekly read-back: a simple way to notice your own "
        "patterns.",
        topic="Reflection",
        author_name="The Good Spores team",
        body_markdown=JOURNAL,
        status=ArticleStatus.PUBLISHED,
        days_ago=4,
        hero_image_path="img/journal/journal-hero.svg",
        hero_image_alt="An open notebook with a few lines of handwriting",
        related_slugs=("90-day-journal-printed", "enamel-camp-mug"),
    ),
    DemoArticle(
        slug="slow-weekends",
        title="Slow weekends (draft)",
        summary="Ideas for a weekend with more room in it.",
        topic="Reflection",
        author_name="The Good Spores team",
        body_markdown=DRAFT,
        status=ArticleStatus.DRAFT,
        days_ago=None,
    ),
)


def seed_demo_articles() -> int:
    """Create the demo articles that are missing (by slug); returns how many were created."""
    existing = set(db.session.scalars(sa.select(Article.slug)))
    now = utcnow()
    created = 0
    with committing():
        for demo in DEMO_ARTICLES:
            if demo.slug in existing:
                continue
            products = list(
                db.session.scalars(sa.select(Product).where(Product.slug.in_(demo.related_slugs)))
            )
            published_at = now - timedelta(days=demo.days_ago) if demo.days_ago is not None else None
            db.session.add(
                Article(
                    slug=demo.slug,
                    title=demo.title,
                    summary=demo.summary,
                    topic=demo.topic,
                    author_name=demo.author_name,
                    body_markdown=demo.body_markdown,
                    status=demo.status,
                    published_at=published_at,
                    hero_image_path=demo.hero_image_path,
                    hero_image_alt=demo.hero_image_alt,
                    related_products=products,
                )
            )
            created += 1
        if created:
            bump_catalog_revision()
    return created
