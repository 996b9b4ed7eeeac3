"""What accounts announce, for the packages above them to act on (shop/guides).

`account_email_confirmed` is sent with the account's id as sender and `email=` (normalised) when an
account has just proven its address, inside that transaction: receivers write in the same transaction
and never commit; a receiver answers True when it attached something to the account.
"""

from blinker import Namespace

_signals = Namespace()

account_email_confirmed = _signals.signal("account-email-confirmed")
