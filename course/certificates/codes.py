"""Verification codes: random, unguessable, and easy to read aloud or type from paper.

A code is 15 symbols of Crockford's base32 (digits and capital letters without I, L, O and U), so 75 random
bits, shown in groups of five: ``K7QF3-M9PXD-2RJ4T``. Typed input is forgiving: case, spaces and dashes do
not matter, and I, L and O are read as 1, 1 and 0, the symbols people mistake them for.
"""

from __future__ import annotations

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 15
GROUP = 5
BITS = LENGTH * 5  # each symbol carries 5 bits
_LOOK_ALIKES = str.maketrans({"I": "1", "L": "1", "O": "0"})
_SEPARATORS = str.maketrans("", "", " -_.\u2010\u2011\u2012\u2013\u2014\u2212\t\r\n\u00a0")
#: Longer input cannot be a code; it is cut here so a lookup never works on an unbounded string.
MAX_INPUT = 64


def generate_code() -> str:
    """A new code, stored as 15 symbols without dashes."""
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalize_code(raw: str) -> str:
    """The stored form of what someone typed or scanned: upper case, no separators, look-alikes mapped.

    The result is a well-formed code only when :func:`is_well_formed` says so.
    """
    return raw[:MAX_INPUT].translate(_SEPARATORS).upper().translate(_LOOK_ALIKES)


def is_well_formed(code: str) -> bool:
    return len(code) == LENGTH and all(symbol in ALPHABET for symbol in code)


def format_code(code: str) -> str:
    """``K7QF3M9PXD2RJ4T`` as people read it: ``K7QF3-M9PXD-2RJ4T``."""
    return "-".join(code[index : index + GROUP] for index in range(0, len(code), GROUP))
