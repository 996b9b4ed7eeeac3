"""What orders announce, for the packages above them to act on (shop/accounts, shop/guides).

`order_paid` is sent once per order, with the Order as sender, when a payment is recorded and the order
fulfilled, inside that transaction: receivers write in the same transaction and never commit. Receivers
are connected in their own package (`register_order_listeners`, called from create_app), so orders
never imports a package that reacts to it.
"""

from blinker import Namespace

_signals = Namespace()

order_paid = _signals.signal("order-paid")
