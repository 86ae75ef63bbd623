# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one comparison that decides "changed" for settings in an AWS API's shape.

``differences(desired, current)`` is a subset comparison: it lists the paths where ``current`` lacks a
setting of ``desired`` or holds another value. Settings that ``desired`` leaves blank are not required to
exist, numbers compare by value (``70`` equals ``70.0``), booleans only equal booleans, and lists compare
item by item (optionally sorted by a key first, for lists AWS returns in its own order).
"""

from __future__ import annotations


def same_scalar(a, b):
    """Equal values, with 70 == 70.0 but True != 1."""
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b or (a == b and type(a) is type(b))
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return float(a) == float(b)
    return a == b


def is_blank(value):
    """True for values that mean "nothing": None, "", [], {}, a list with Quantity 0, or a dict of blanks."""
    if value is None or value == "" or value == [] or value == {}:
        return True
    if isinstance(value, dict):
        if value.get("Quantity") == 0:
            return True
        return all(is_blank(v) for v in value.values())
    return False


def strip_blanks(d):
    """A dict without its blank values (some endpoints return "" as null and the reverse)."""
    return {k: v for k, v in (d or {}).items() if not is_blank(v)}


def path_ignored(path, patterns):
    """True when path (such as /Origins/Items/1/OriginAccessControlId) matches a pattern (* for one step)."""
    parts = path.strip("/").split("/")
    for pattern in patterns or []:
        pat = pattern.strip("/").split("/")
        if len(pat) == len(parts) and all(p == "*" or p == q for p, q in zip(pat, parts)):
            return True
    return False


def differences(desired, current, path="", ignore=None, sort_lists_by=None):
    """Paths where current lacks a setting of desired (a subset comparison; lists compare item by item).

    Paths matching a pattern of ``ignore`` are left out. ``sort_lists_by`` maps a key to the item field
    that orders its list on both sides before comparing (``{"Dimensions": "Name"}``).
    """
    if ignore:
        return [d for d in differences(desired, current, path, sort_lists_by=sort_lists_by) if not path_ignored(d, ignore)]
    if isinstance(desired, dict):
        if not isinstance(current, dict):
            return [path or "/"]
        out = []
        for key, value in desired.items():
            cur = current.get(key)
            if cur is None and is_blank(value):
                continue
            order = (sort_lists_by or {}).get(key)
            if order and isinstance(value, list) and isinstance(cur, list):
                value = sorted(value, key=lambda d, o=order: d[o])
                cur = sorted(cur, key=lambda d, o=order: d[o])
            if key not in current:
                out.append(f"{path}/{key}")
                continue
            out.extend(differences(value, cur, f"{path}/{key}", sort_lists_by=sort_lists_by))
        return out
    if isinstance(desired, list):
        if not isinstance(current, list) or len(desired) != len(current):
            return [path]
        out = []
        for i, (d, c) in enumerate(zip(desired, current)):
            out.extend(differences(d, c, f"{path}/{i}", sort_lists_by=sort_lists_by))
        return out
    return [] if same_scalar(desired, current) else [path]


def numbers_as_floats(value):
    """value with every number (and numeric string) as a float, for a whole-value comparison.

    AWS answers 70.0 where 70 was given; compare ``numbers_as_floats(a) == numbers_as_floats(b)``.
    """
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return value
    if isinstance(value, dict):
        return {k: numbers_as_floats(v) for k, v in value.items()}
    if isinstance(value, list):
        return [numbers_as_floats(v) for v in value]
    return value


def changed_keys(current, desired):
    """Sorted top-level keys of desired whose value differs in current (plain equality)."""
    current = current or {}
    return sorted(key for key in desired if current.get(key) != desired[key])
