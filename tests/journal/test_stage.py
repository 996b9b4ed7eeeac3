"""Where an article stands for staff: the same "live" rule the public pages use."""

from datetime import timedelta

import pytest

from shop.clock import utcnow
from shop.journal.models import Article, ArticleStatus
from shop.journal.services import stage_label


@pytest.mark.parametrize(
    ("status", "published", "expected"),
    [
        (ArticleStatus.DRAFT, None, "Draft"),
        (ArticleStatus.DRAFT, -1, "Draft"),  # a draft that was once live is still a draft
        (ArticleStatus.SCHEDULED, 1, "Scheduled"),
        (ArticleStatus.SCHEDULED, -1, "Published"),  # its time has passed: it published itself
        (ArticleStatus.PUBLISHED, -1, "Published"),
        (ArticleStatus.PUBLISHED, 0, "Published"),  # published_at == now is live
    ],
)
def test_stage_label(status: ArticleStatus, published: int | None, expected: str) -> None:
    now = utcnow()
    published_at = None if published is None else now + timedelta(hours=published)
    article = Article(status=status, published_at=published_at)
    assert stage_label(article, now) == expected
