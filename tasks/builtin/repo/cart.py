"""Bug fix: a mutable default argument makes every new cart share the same dict."""

from tasks.builtin.repo._spec import RepoSpec

SPEC = RepoSpec(
    name="cart-shared-default",
    split="train",
    difficulty="easy",
    change="bugfix",
    tags=("mutable-default", "state"),
    entry_point="shop.cart:add_item",
    issue="""
New customers see items from other customers' carts

Starting a cart with `add_item("apple", 2)` and then another one with `add_item("pear")` gives
the second customer `{"apple": 2, "pear": 1}`. Each call without a `cart` must start from an
empty cart. Passing an existing cart keeps working as before (the item is added to it and the
cart is returned). `cart_total` has no such problem.
""",
    files={
        "README.md": r"""
# shop

The checkout service's cart helpers. A cart is a dict `sku -> quantity`.

- `add_item(sku, qty=1, cart=None)`: add `qty` (>= 1) of `sku` to `cart`, or to a new cart when
  none is given, and return the cart.
- `cart_total(cart, prices)`: the price of a cart in cents; `prices` maps sku -> cents. Unknown
  skus raise `KeyError`.
""",
        "shop/__init__.py": "",
        "shop/cart.py": r'''
"""Shopping cart helpers: a cart is a dict mapping sku -> quantity."""


def add_item(sku: str, qty: int = 1, cart: dict[str, int] = {}) -> dict[str, int]:
    """Add `qty` of `sku` to `cart` (a new cart when none is given) and return the cart."""
    if qty < 1:
        raise ValueError(f"qty must be >= 1, got {qty}")
    cart[sku] = cart.get(sku, 0) + qty
    return cart


def cart_total(cart: dict[str, int], prices: dict[str, int]) -> int:
    """Price of `cart` in cents."""
    return sum(prices[sku] * qty for sku, qty in cart.items())
''',
        "tests/test_cart.py": r"""
from shop.cart import add_item, cart_total


def test_add_to_existing_cart():
    cart = {"apple": 1}
    assert add_item("apple", 2, cart) == {"apple": 3}


def test_total():
    assert cart_total({"apple": 2, "pear": 1}, {"apple": 30, "pear": 45}) == 105


def test_new_carts_are_independent():
    first = add_item("apple", 2)
    second = add_item("pear")
    assert first == {"apple": 2}
    assert second == {"pear": 1}
""",
    },
    reference_files={
        "shop/cart.py": r'''
"""Shopping cart helpers: a cart is a dict mapping sku -> quantity."""

from __future__ import annotations


def add_item(sku: str, qty: int = 1, cart: dict[str, int] | None = None) -> dict[str, int]:
    """Add `qty` of `sku` to `cart` (a new cart when none is given) and return the cart."""
    if qty < 1:
        raise ValueError(f"qty must be >= 1, got {qty}")
    if cart is None:
        cart = {}  # a fresh dict per call: a `{}` default would be shared by every call
    cart[sku] = cart.get(sku, 0) + qty
    return cart


def cart_total(cart: dict[str, int], prices: dict[str, int]) -> int:
    """Price of `cart` in cents."""
    return sum(prices[sku] * qty for sku, qty in cart.items())
''',
    },
    test_script=r"""
def _raises(exc, fn, *args, **kwargs):
    try:
        fn(*args, **kwargs)
    except exc:
        return True
    return False


def check(candidate):
    assert [candidate("milk", 3), candidate("bread")] == [{"milk": 3}, {"bread": 1}]
    assert [candidate("tea"), candidate("tea"), candidate("tea", 4)] == [{"tea": 1}] * 2 + [{"tea": 4}]
    assert candidate("egg", 6, {"egg": 6, "ham": 1}) == {"egg": 12, "ham": 1}
    assert [candidate("x", 1, {"y": 2}), candidate("z")] == [{"y": 2, "x": 1}, {"z": 1}]
    assert [candidate("a", cart=None), candidate("b", 2, None)] == [{"a": 1}, {"b": 2}]
    assert _raises(ValueError, candidate, "jam", 0)
    cart_total = candidate_function("shop.cart:cart_total")
    assert cart_total(candidate("kiwi", 4), {"kiwi": 25}) == 100
""",
)
