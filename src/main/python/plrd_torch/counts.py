"""Counts as people write them (3.1B, 500M, 64K), parsed as dev.plrd.api.Counts parses them."""
import re
from decimal import Decimal, ROUND_HALF_UP

_COUNT = re.compile(r"([0-9]+(?:\.[0-9]+)?)([KMBT]?)")
_EXPONENTS = {"": 0, "K": 3, "M": 6, "B": 9, "T": 12}


def parse(text):
    match = _COUNT.fullmatch(text or "")
    if not match:
        raise ValueError("'%s' is not a count such as 3.1B, 500M or 7000000" % text)
    value = Decimal(match.group(1)).scaleb(_EXPONENTS[match.group(2)])
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))
