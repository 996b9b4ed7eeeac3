"""Comment rules: who may comment and how (honeypot, fill time, links, lengths), what is held for
moderation, what staff do with it (approve, reject as spam, delete, reply: each audit-logged), the
"your comment is live" email and the one-click way to stop it, and what the public may read.

Every rule lives here; the views only read forms and call these functions. docs/rules.md#journal
(rules 6 to 9) states them in prose.
"""

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.orm import joinedload

from shop.audit.services import Actor
from shop.audit.services import record as audit
from shop.catalog.services import bump_catalog_revision
from shop.clock import utcnow
from shop.database import committing
from shop.email_addresses import normalize_email
from shop.emails.services import queue_email
from shop.errors import ShopError
from shop.extensions import db
from shop.journal.comment_models import ArticleComment, CommentEmailOptOut, CommentStatus
from shop.urls import external_url

log = logging.getLogger(__name__)

MAX_NAME_LENGTH = 80
MAX_BODY_LENGTH = 5_000
MAX_LINKS = 2
# A person reads the article's end and types; a script posts at once. Faster than this is refused.
MIN_FILL_SECONDS = 2
# A form left open longer than this is sent again with a fresh stamp (the text is kept).
MAX_FILL_SECONDS = 2 * 24 * 3600
MODERATION_PAGE_SIZE = 50

_FORM_SALT = "shop.journal.comment-form"
_EMAILS_SALT = "shop.journal.comment-emails"
# http(s)://…, www.… and Markdown-style [text](…) all count as links.
_LINK = re.compile(r"https?://|www\.|\]\(", re.IGNORECASE)


class CommentError(ShopError):
    """A comment that cannot be taken; the message says how to fix it."""


class CommentTooFastError(CommentError):
    def __init__(self) -> None:
        super().__init__(
            "That was quicker than we expected, so we couldn't be sure you're not a robot. "
            "Your comment is still here: please press “Post comment” again."
        )


class CommentFormExpiredError(CommentError):
    def __init__(self) -> None:
        super().__init__(
            "This form was open for a long time (or came from elsewhere). "
            "Your comment is still here: please press “Post comment” again."
        )


class ModerationAction:
    APPROVE = "approve"
    SPAM = "spam"
    DELETE = "delete"
    ALL = (APPROVE, SPAM, DELETE)


@dataclass(frozen=True)
class SubmitResult:
    """What the commenter is told. `published` is True when the comment shows at once."""

    published: bool
    comment_id: int | None


@dataclass(frozen=True)
class PublicComment:
    """A comment as the public sees it: never the email address."""

    id: int
    author_name: str
    body: str
    created_at: datetime
    is_staff_reply: bool
    replies: list["PublicComment"] = field(default_factory=list)


@dataclass(frozen=True)
class ModerationResult:
    changed: int
    emailed: int


# --- the form's signed timestamp -----------------------------------------------------------------


def _serializer(salt: str) -> URLSafeSerializer:
    config = current_app.config
    keys = [*(config.get("SECRET_KEY_FALLBACKS") or []), config["SECRET_KEY"]]
    return URLSafeSerializer(keys, salt=salt)


def form_stamp(article_id: int, *, now: datetime | None = None) -> str:
    """The hidden value that dates the comment form for one article (signed, so it can't be back-dated)."""
    moment = now or utcnow()
    # Milliseconds: whole seconds would let a post 1.01 s after the page count as 2 s.
    return _serializer(_FORM_SALT).dumps([article_id, int(moment.timestamp() * 1000)])


def _check_stamp(stamp: str, article_id: int, now: datetime) -> None:
    try:
        value = _serializer(_FORM_SALT).loads(stamp or "")
    except BadSignature as error:
        raise CommentFormExpiredError() from error
    if not isinstance(value, list) or len(value) != 2 or value[0] != article_id or type(value[1]) is not int:
        raise CommentFormExpiredError()
    elapsed = now.timestamp() - value[1] / 1000
    if elapsed < MIN_FILL_SECONDS:
        raise CommentTooFastError()
    if elapsed > MAX_FILL_SECONDS:
        raise CommentFormExpiredError()


# --- submitting ----------------------------------------------------------------------------------


def count_links(text: str) -> int:
    return len(_LINK.findall(text))


def clean_name(name: str) -> str:
    return " ".join(name.split())


def clean_body(body: str) -> str:
    """Trailing spaces and surplus blank lines go; the writer's line breaks stay."""
    lines = [line.rstrip() for line in body.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def check_comment_text(name: str, body: str) -> None:
    """The shape rules every comment and reply keeps: present, within length, few links."""
    if not name:
        raise CommentError("Enter your name.")
    if len(name) > MAX_NAME_LENGTH:
        raise CommentError(f"Keep your name to {MAX_NAME_LENGTH} characters or fewer.")
    if not body:
        raise CommentError("Write a comment before posting.")
    if len(body) > MAX_BODY_LENGTH:
        raise CommentError(
            f"Keep your comment to {MAX_BODY_LENGTH:,} characters or fewer (it has {len(body):,})."
        )
    if count_links(body) > MAX_LINKS:
        raise CommentError(f"Comments may hold at most {MAX_LINKS} links. Remove some and post again.")


def _has_approved_comment(email: str) -> bool:
    return (
        db.session.scalar(
            sa.select(ArticleComment.id)
            .where(
                ArticleComment.email == email,
                ArticleComment.status == CommentStatus.APPROVED,
                ArticleComment.is_staff_reply.is_(False),
            )
            .limit(1)
        )
        is not None
    )


def submit_comment(
    article_id: int,
    *,
    name: str,
    email: str,
    body: str,
    honeypot: str,
    form_stamp_value: str,
    now: datetime | None = None,
) -> SubmitResult:
    """Take a reader's comment on a live article. Commits.

    Held for moderation, unless the address already has an approved comment (then shown at once, and the
    article's cached page refreshed). A filled honeypot stores nothing and answers like a held comment,
    so a bot learns nothing. Raises CommentError (400) for a form posted too fast or too late, a missing
    name or comment, one too long or with too many links.
    """
    now = now or utcnow()
    if honeypot.strip():
        log.info("comment dropped: honeypot filled (article %s)", article_id)
        return SubmitResult(published=False, comment_id=None)
    _check_stamp(form_stamp_value, article_id, now)
    name = clean_name(name)
    body = clean_body(body)
    check_comment_text(name, body)
    email = normalize_email(email)
    with committing():
        trusted = _has_approved_comment(email)
        comment = ArticleComment(
            article_id=article_id,
            author_name=name,
            email=email,
            body=body,
            status=CommentStatus.APPROVED if trusted else CommentStatus.PENDING,
            created_at=now,
            approved_at=now if trusted else None,
        )
        db.session.add(comment)
        if trusted:
            bump_catalog_revision()  # cached article pages show it at once
        db.session.flush()
        comment_id = comment.id
    log.info("comment %s on article %s: %s", comment_id, article_id, comment.status)
    return SubmitResult(published=trusted, comment_id=comment_id)


# --- what the public reads -----------------------------------------------------------------------


def list_public_comments(article_id: int) -> list[PublicComment]:
    """An article's approved comments, oldest first, each with the shop's approved replies. One query."""
    rows = db.session.execute(
        sa.select(
            ArticleComment.id,
            ArticleComment.parent_id,
            ArticleComment.author_name,
            ArticleComment.body,
            ArticleComment.created_at,
            ArticleComment.is_staff_reply,
        )
        .where(ArticleComment.article_id == article_id, ArticleComment.status == CommentStatus.APPROVED)
        .order_by(ArticleComment.created_at, ArticleComment.id)
    ).all()
    top: dict[int, PublicComment] = {}
    replies: list[tuple[int, PublicComment]] = []
    for row in rows:
        comment = PublicComment(
            id=row.id,
            author_name=row.author_name,
            body=row.body,
            created_at=row.created_at,
            is_staff_reply=row.is_staff_reply,
        )
        if row.parent_id is None:
            top[row.id] = comment
        else:
            replies.append((row.parent_id, comment))
    for parent_id, reply in replies:
        if parent_id in top:  # a reply to a comment no longer shown is not shown either
            top[parent_id].replies.append(reply)
    return list(top.values())


# --- moderation ----------------------------------------------------------------------------------


def count_pending() -> int:
    return (
        db.session.scalar(
            sa.select(sa.func.count(ArticleComment.id)).where(ArticleComment.status == CommentStatus.PENDING)
        )
        or 0
    )


@dataclass(frozen=True)
class QueuePage:
    comments: list[ArticleComment]
    total: int
    status: str


def list_queue(status: str = CommentStatus.PENDING, *, page: int = 1) -> QueuePage:
    """Comments in one status with their articles (one query for the page, one for the count);
    pending ones oldest first (the queue's order), the others newest first."""
    if status not in set(CommentStatus):
        raise CommentError("Choose pending, approved or spam.")
    condition = sa.and_(ArticleComment.status == status, ArticleComment.is_staff_reply.is_(False))
    order = (
        (ArticleComment.created_at, ArticleComment.id)
        if status == CommentStatus.PENDING
        else (ArticleComment.created_at.desc(), ArticleComment.id.desc())
    )
    comments = db.session.scalars(
        sa.select(ArticleComment)
        .where(condition)
        .options(joinedload(ArticleComment.article))
        .order_by(*order)
        .limit(MODERATION_PAGE_SIZE)
        .offset((page - 1) * MODERATION_PAGE_SIZE)
    ).all()
    total = db.session.scalar(sa.select(sa.func.count(ArticleComment.id)).where(condition)) or 0
    return QueuePage(comments=list(comments), total=total, status=status)


def get_comment(comment_id: int) -> ArticleComment | None:
    return db.session.get(ArticleComment, comment_id)


def _summary(comment: ArticleComment) -> str:
    return f"comment #{comment.id} by {comment.author_name} on “{comment.article.title}”"


def moderate(actor: Actor, action: str, comment_ids: Iterable[int]) -> ModerationResult:
    """Approve, reject as spam or delete several comments at once. Commits.

    Each comment changed is one audit event. Approving queues the commenter's "your comment is live"
    email once (never to an address that stopped them); approving, rejecting or deleting a comment that
    was shown refreshes the cached article pages. Comments already in the wanted state are left alone.
    """
    if action not in ModerationAction.ALL:
        raise CommentError("Choose approve, spam or delete.")
    ids = sorted({int(comment_id) for comment_id in comment_ids})
    if not ids:
        raise CommentError("Tick at least one comment first.")
    now = utcnow()
    changed = emailed = 0
    with committing():
        comments = db.session.scalars(
            sa.select(ArticleComment)
            .where(ArticleComment.id.in_(ids), ArticleComment.is_staff_reply.is_(False))
            .options(joinedload(ArticleComment.article))
            .order_by(ArticleComment.id)
        ).all()
        opted_out = _opted_out({comment.email for comment in comments})
        page_changed = False
        for comment in comments:
            was_shown = comment.status == CommentStatus.APPROVED
            if action == ModerationAction.DELETE:
                audit(
                    actor,
                    "comment.delete",
                    target_type="comment",
                    target_id=comment.id,
                    summary=f"Deleted {_summary(comment)}",
                    article_id=comment.article_id,
                    status=comment.status,
                )
                # The shop's replies go with it (said here too: SQLite may not enforce the cascade).
                db.session.execute(sa.delete(ArticleComment).where(ArticleComment.parent_id == comment.id))
                db.session.delete(comment)
            else:
                wanted = CommentStatus.APPROVED if action == ModerationAction.APPROVE else CommentStatus.SPAM
                if comment.status == wanted:
                    continue
                comment.status = wanted
                if wanted == CommentStatus.APPROVED:
                    comment.approved_at = now
                    if comment.approval_emailed_at is None and comment.email not in opted_out:
                        _queue_approval_email(comment)
                        comment.approval_emailed_at = now
                        emailed += 1
                verb = "Approved" if wanted == CommentStatus.APPROVED else "Rejected as spam"
                audit(
                    actor,
                    f"comment.{action}",
                    target_type="comment",
                    target_id=comment.id,
                    summary=f"{verb} {_summary(comment)}",
                    article_id=comment.article_id,
                )
            page_changed = page_changed or was_shown or action == ModerationAction.APPROVE
            changed += 1
        if page_changed:
            bump_catalog_revision()
    return ModerationResult(changed=changed, emailed=emailed)


def reply_as_shop(actor: Actor, comment_id: int, *, body: str, shop_name: str) -> ArticleComment:
    """The shop's reply to an approved reader comment, shown at once under it. Commits."""
    body = clean_body(body)
    check_comment_text(shop_name, body)
    with committing():
        parent = db.session.get(ArticleComment, comment_id)
        if parent is None or parent.is_staff_reply:
            raise CommentError("There is no such comment to reply to.", status_code=404)
        if parent.status != CommentStatus.APPROVED:
            raise CommentError("Approve the comment before replying to it.", status_code=409)
        reply = ArticleComment(
            article_id=parent.article_id,
            parent_id=parent.id,
            is_staff_reply=True,
            staff_user_id=actor.user_id,
            author_name=shop_name,
            email=actor.email,
            body=body,
            status=CommentStatus.APPROVED,
            approved_at=utcnow(),
        )
        db.session.add(reply)
        db.session.flush()
        audit(
            actor,
            "comment.reply",
            target_type="comment",
            target_id=parent.id,
            summary=f"Replied as the shop to {_summary(parent)}",
            reply_id=reply.id,
            article_id=parent.article_id,
        )
        bump_catalog_revision()
    return reply


# --- the approval email and stopping it ----------------------------------------------------------


def emails_token(email: str) -> str:
    """Signed address for the "stop these emails" link: works in every email ever sent, stores nothing."""
    return _serializer(_EMAILS_SALT).dumps(normalize_email(email))


def email_from_token(token: str) -> str | None:
    if not token or len(token) > 500:
        return None
    try:
        value = _serializer(_EMAILS_SALT).loads(token)
    except BadSignature:
        return None
    return value if isinstance(value, str) and "@" in value else None


def _opted_out(emails: set[str]) -> set[str]:
    if not emails:
        return set()
    return set(
        db.session.scalars(sa.select(CommentEmailOptOut.email).where(CommentEmailOptOut.email.in_(emails)))
    )


def is_opted_out(email: str) -> bool:
    return bool(_opted_out({normalize_email(email)}))


def stop_emails(token: str) -> str:
    """Stop "your comment is live" emails to the token's address. Commits; pressing twice is harmless.
    Returns the address; raises CommentError (404) for a token that is not ours."""
    email = email_from_token(token)
    if email is None:
        raise CommentError(
            "We don't recognise this link. It may have been copied incompletely.", status_code=404
        )

    with committing():
        if not is_opted_out(email):
            db.session.add(CommentEmailOptOut(email=email))
    return email


def _queue_approval_email(comment: ArticleComment) -> None:
    stop_url = external_url("journal.comment_emails", token=emails_token(comment.email))
    article_url = external_url("journal.article_detail", slug=comment.article.slug)
    queue_email(
        to=comment.email,
        subject=f"Your comment on “{comment.article.title}” is live",
        template="comment_approved",
        context={
            "author_name": comment.author_name,
            "article_title": comment.article.title,
            "comment_url": f"{article_url}#comment-{comment.id}",
            "stop_url": stop_url,
        },
        headers={"List-Unsubscribe": f"<{stop_url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
    )
