"""Guide-gate errors: each carries a message safe to show the visitor and the HTTP status it maps to."""

from shop.errors import ShopError


class GuideError(ShopError):
    pass


class UnknownGuideError(GuideError):
    """No published free guide has that slug."""

    status_code = 404

    def __init__(self) -> None:
        super().__init__("We couldn't find that guide. It may have been retired.")


class UndeliverableAddressError(GuideError):
    status_code = 400

    def __init__(self) -> None:
        super().__init__("We can't send email to that address. Please check it and try again.")


class UnknownLinkError(GuideError):
    """A token that is not ours: tampered, truncated, from another kind of link, or erased."""

    status_code = 404

    def __init__(self) -> None:
        super().__init__("We don't recognise this link. It may have been copied incompletely.")


class ExpiredLinkError(GuideError):
    status_code = 410

    def __init__(self, *, guide_name: str, guide_slug: str) -> None:
        super().__init__("This link has expired.")
        self.guide_name = guide_name
        self.guide_slug = guide_slug


class GuideUnavailableError(GuideError):
    """The link is fine but the guide has been unpublished since."""

    status_code = 410

    def __init__(self) -> None:
        super().__init__("This guide is no longer available. Sorry about that.")
