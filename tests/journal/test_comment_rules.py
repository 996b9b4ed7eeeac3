"""Comment rules (shop/journal/comments.py): moderation, the anti-spam checks, lengths and links, staff
actions in the audit log, the approval email and stopping it, and what the public may read."""

from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask

from shop.audit.models import AuditEvent
from shop.audit.services import Actor
from shop.catalog.services import get_catalog_revision
from shop.clock import utcnow
from shop.emails.models import OutgoingEmail
from shop.extensions import db
from shop.journal import comments
from shop.journal.comment_models import ArticleComment, CommentStatus
from shop.journal.models import Article
from tests.journal.comment_helpers import add_comment, submit
from tests.journal.helpers import make_article

STAFF = Actor(user_id=None, email="staff@example.com")


@pytest.fixture
def article(app: Flask) -> Article:
    return make_article(title="Keeping a reflective journal")


def stored() -> list[ArticleComment]:
    return list(db.session.scalars(sa.select(ArticleComment).order_by(ArticleComment.id)))


def emails() -> list[OutgoingEmail]:
    return list(db.session.scalars(sa.select(OutgoingEmail).order_by(OutgoingEmail.id)))


def audit_actions() -> list[tuple[str, str]]:
    return [
        (event.action, event.target_id)
        for event in db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id))
    ]


# --- held for moderation --------------------------------------------------------------------------


def test_a_first_comment_is_held_and_not_shown(article: Article) -> None:
    result = submit(article)

    assert result.published is False
    [comment] = stored()
    assert comment.status == CommentStatus.PENDING
    assert comment.email == "robin@example.com"
    assert comments.list_public_comments(article.id) == []
    assert comments.count_pending() == 1


def test_an_address_with_an_approved_comment_is_published_at_once(article: Article) -> None:
    # given
    add_comment(article, status=CommentStatus.APPROVED, email="robin@example.com")
    revision = get_catalog_revision()

    # when
    result = submit(article, email="  Robin@Example.COM ")

    # then
    assert result.published is True
    assert stored()[-1].status == CommentStatus.APPROVED
    assert len(comments.list_public_comments(article.id)) == 2
    assert get_catalog_revision() == revision + 1  # cached article pages refresh


@pytest.mark.parametrize("earlier", [CommentStatus.PENDING, CommentStatus.SPAM])
def test_a_pending_or_spam_comment_earns_no_trust(article: Article, earlier: str) -> None:
    add_comment(article, status=earlier)

    assert submit(article).published is False


def test_the_shops_own_reply_earns_no_trust_for_its_address(article: Article) -> None:
    parent = add_comment(article, status=CommentStatus.APPROVED, email="reader@example.com")
    comments.reply_as_shop(
        Actor(user_id=None, email="staff@example.com"), parent.id, body="Thanks!", shop_name="Shop"
    )

    assert submit(article, email="staff@example.com").published is False


# --- bots: honeypot and fill time -------------------------------------------------------------------


def test_a_filled_honeypot_stores_nothing_and_looks_like_success(article: Article) -> None:
    result = submit(article, honeypot="http://spam.example")

    assert result == comments.SubmitResult(published=False, comment_id=None)
    assert stored() == []


@pytest.mark.parametrize(
    ("seconds", "taken"), [(0, False), (1, False), (1.999, False), (2, True), (600, True)]
)
def test_a_form_posted_in_under_two_seconds_is_refused_kindly(
    article: Article, seconds: float, taken: bool
) -> None:
    now = utcnow().replace(microsecond=900_000)  # late in its second: whole seconds would round down
    stamp = comments.form_stamp(article.id, now=now - timedelta(seconds=seconds))

    if taken:
        submit(article, form_stamp_value=stamp, now=now)
        assert len(stored()) == 1
    else:
        with pytest.raises(comments.CommentTooFastError, match="please press"):
            submit(article, form_stamp_value=stamp, now=now)
        assert stored() == []


@pytest.mark.parametrize(
    "stamp",
    ["", "garbage", "WzEsMTc2NDQwMDAwMF0.forged"],
    ids=["missing", "garbage", "forged"],
)
def test_a_missing_or_forged_stamp_is_refused(article: Article, stamp: str) -> None:
    with pytest.raises(comments.CommentFormExpiredError):
        submit(article, form_stamp_value=stamp)
    assert stored() == []


def test_a_stamp_for_another_article_is_refused(article: Article) -> None:
    other = make_article()

    with pytest.raises(comments.CommentFormExpiredError):
        submit(article, form_stamp_value=comments.form_stamp(other.id, now=utcnow() - timedelta(minutes=1)))


def test_a_form_open_for_days_is_sent_again(article: Article) -> None:
    stamp = comments.form_stamp(article.id, now=utcnow() - timedelta(days=3))

    with pytest.raises(comments.CommentFormExpiredError):
        submit(article, form_stamp_value=stamp)


# --- lengths, links, required fields -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"body": ""}, "Write a comment"),
        ({"body": " \n\t "}, "Write a comment"),
        ({"body": "x" * 5_001}, "5,000 characters or fewer"),
        ({"body": "x" * 20_000}, "5,000 characters or fewer"),
        ({"name": ""}, "Enter your name"),
        ({"name": "   "}, "Enter your name"),
        ({"name": "n" * 81}, "80 characters or fewer"),
        ({"body": "See http://a.example, https://b.example and www.c.example"}, "at most 2 links"),
        ({"body": "[one](/x) [two](/y) [three](/z)"}, "at most 2 links"),
    ],
    ids=["empty", "blank", "too-long", "20000", "no-name", "blank-name", "long-name", "links", "md-links"],
)
def test_bad_comments_are_refused_with_a_reason(article: Article, overrides: dict, message: str) -> None:
    with pytest.raises(comments.CommentError, match=message) as failure:
        submit(article, **overrides)

    assert failure.value.status_code == 400
    assert stored() == []


def test_the_longest_comment_and_two_links_are_taken(article: Article) -> None:
    submit(article, body="x" * 4_968 + " https://a.example www.b.example")

    assert len(stored()[0].body) == 5_000


def test_the_text_is_stored_as_written_and_tidied(article: Article) -> None:
    submit(article, name="  Robin \t  Reader ", body="  <b>Hi</b>\r\n\r\n\r\n\r\nSecond line   \n")

    [comment] = stored()
    assert comment.author_name == "Robin Reader"
    assert comment.body == "<b>Hi</b>\n\nSecond line"  # kept as text; templates escape it


# --- moderation -------------------------------------------------------------------------------------


def test_approving_shows_the_comment_emails_the_commenter_once_and_is_audited(article: Article) -> None:
    # given
    comment = add_comment(article, email="robin@example.com")
    revision = get_catalog_revision()

    # when
    first = comments.moderate(STAFF, "approve", [comment.id])
    again = comments.moderate(STAFF, "approve", [comment.id])

    # then
    assert (first.changed, first.emailed) == (1, 1)
    assert (again.changed, again.emailed) == (0, 0)
    assert [c.id for c in comments.list_public_comments(article.id)] == [comment.id]
    [email] = emails()
    assert email.to_address == "robin@example.com"
    assert "Keeping a reflective journal" in email.subject
    assert f"/journal/{article.slug}#comment-{comment.id}" in email.text_body
    stop_url = email.headers["List-Unsubscribe"].strip("<>")
    assert "/journal/comment-emails/" in stop_url and stop_url in email.text_body
    assert email.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert audit_actions() == [("comment.approve", str(comment.id))]
    assert get_catalog_revision() == revision + 1


def test_a_comment_approved_again_after_spam_emails_no_second_time(article: Article) -> None:
    comment = add_comment(article)

    comments.moderate(STAFF, "approve", [comment.id])
    comments.moderate(STAFF, "spam", [comment.id])
    result = comments.moderate(STAFF, "approve", [comment.id])

    assert (result.changed, result.emailed) == (1, 0)
    assert len(emails()) == 1


def test_several_comments_are_moderated_at_once(article: Article) -> None:
    ids = [add_comment(article, email=f"r{n}@example.com").id for n in range(3)]

    result = comments.moderate(STAFF, "spam", ids)

    assert result.changed == 3
    assert {c.status for c in stored()} == {CommentStatus.SPAM}
    assert sorted(audit_actions()) == sorted(("comment.spam", str(i)) for i in ids)
    assert comments.count_pending() == 0


def test_spam_takes_an_approved_comment_off_the_page(article: Article) -> None:
    comment = add_comment(article, status=CommentStatus.APPROVED)
    revision = get_catalog_revision()

    comments.moderate(STAFF, "spam", [comment.id])

    assert comments.list_public_comments(article.id) == []
    assert get_catalog_revision() == revision + 1


def test_rejecting_a_pending_comment_leaves_cached_pages_alone(article: Article) -> None:
    comment = add_comment(article)
    revision = get_catalog_revision()

    comments.moderate(STAFF, "spam", [comment.id])

    assert get_catalog_revision() == revision


def test_deleting_removes_the_comment_and_its_replies(article: Article) -> None:
    comment = add_comment(article, status=CommentStatus.APPROVED)
    comments.reply_as_shop(STAFF, comment.id, body="Thank you.", shop_name="Shop")

    comments.moderate(STAFF, "delete", [comment.id])

    assert stored() == []
    assert audit_actions()[-1] == ("comment.delete", str(comment.id))


def test_no_email_goes_to_an_address_that_stopped_them(article: Article) -> None:
    comments.stop_emails(comments.emails_token("Robin@example.com"))
    comment = add_comment(article, email="robin@example.com")

    result = comments.moderate(STAFF, "approve", [comment.id])

    assert (result.changed, result.emailed) == (1, 0)
    assert emails() == []


def test_stopping_twice_is_harmless_and_a_forged_token_is_refused(app: Flask) -> None:
    token = comments.emails_token("robin@example.com")

    assert comments.stop_emails(token) == "robin@example.com"
    assert comments.stop_emails(token) == "robin@example.com"
    assert comments.is_opted_out("ROBIN@example.com")
    with pytest.raises(comments.CommentError) as failure:
        comments.stop_emails(token[:-2] + "xx")
    assert failure.value.status_code == 404


@pytest.mark.parametrize(("action", "ids"), [("publish", [1]), ("approve", [])])
def test_an_unknown_action_or_no_comments_is_refused(app: Flask, action: str, ids: list[int]) -> None:
    with pytest.raises(comments.CommentError):
        comments.moderate(STAFF, action, ids)


def test_the_shops_reply_shows_under_the_comment_marked_as_the_shops(article: Article) -> None:
    # given
    comment = add_comment(article, status=CommentStatus.APPROVED, name="Robin")

    # when
    reply = comments.reply_as_shop(STAFF, comment.id, body="Glad it helped.", shop_name="Spore & Co")

    # then
    [shown] = comments.list_public_comments(article.id)
    [shown_reply] = shown.replies
    assert (shown_reply.id, shown_reply.author_name, shown_reply.is_staff_reply) == (
        reply.id,
        "Spore & Co",
        True,
    )
    assert audit_actions() == [("comment.reply", str(comment.id))]


def test_replies_wait_for_the_comment_to_be_approved(article: Article) -> None:
    comment = add_comment(article)

    with pytest.raises(comments.CommentError, match="Approve the comment") as failure:
        comments.reply_as_shop(STAFF, comment.id, body="Hi", shop_name="Shop")
    assert failure.value.status_code == 409


def test_the_public_never_gets_an_email_address(article: Article) -> None:
    comment = add_comment(article, status=CommentStatus.APPROVED, email="secret@example.com")
    comments.reply_as_shop(STAFF, comment.id, body="Thanks", shop_name="Shop")

    shown = comments.list_public_comments(article.id)

    assert "secret@example.com" not in repr(shown) and "staff@example.com" not in repr(shown)
    assert not any("email" in name for name in comments.PublicComment.__dataclass_fields__)


def test_the_queue_lists_one_status_oldest_first_with_the_articles(article: Article) -> None:
    newer = add_comment(article, created_at=utcnow())
    older = add_comment(article, created_at=utcnow() - timedelta(hours=1))
    add_comment(article, status=CommentStatus.SPAM)

    queue = comments.list_queue(CommentStatus.PENDING)

    assert [c.id for c in queue.comments] == [older.id, newer.id]
    assert queue.total == 2
    assert queue.comments[0].article.title == "Keeping a reflective journal"
