"""dotenv names back to a service's stored keys (pychamber's dotenv import and ``edit``). Pure.

``export -f dotenv`` writes ``db_password`` as ``DB_PASSWORD`` (and ``db-host``, ``db.host`` as
``DB_HOST``), so a dotenv file read back must not store ``DB_PASSWORD`` beside ``db_password``:
each name is taken to the stored key it names, or, when the service has none, to chamber's
lower-case form of it (what ``write`` stores). chamber imports only JSON and YAML, whose keys
stay as written; this applies to dotenv input alone.
"""

from __future__ import annotations

from collections.abc import Iterable

from pychamber.formats.importing import dotenv_error
from pychamber.formats.shell import sanitize_key
from pychamber.names import KEY_RE, go_lower, go_upper

#: How many keys an ambiguity names at most.
_MAX_NAMED = 5


def variable_form(key: str) -> str:
    """The form under which names meet: what ``export -f dotenv`` makes of a key (``-``, ``.``
    and blanks to ``_``, upper-cased); ``exec``'s name (``DB.HOST``) meets it too."""
    return go_upper(sanitize_key(key))


def map_dotenv_names(entries: Iterable[tuple[str, str, int]], stored: Iterable[str],
                     exact: bool = False) -> list[tuple[str, str]]:
    """``(name, value, line)`` entries of a dotenv document -> ``(stored key, value)`` pairs.

    A name is the stored key it spells exactly, unless another stored key differs from it only
    in case; else the one stored key whose :func:`variable_form` it has (``DB_PASSWORD`` ->
    ``db_password``, ``DB_HOST`` -> ``db-host``); else a new key, chamber's lower-case form of
    the name. A name that could be two stored keys, two names that come to one key, and a
    name that is not a key chamber can store are each refused with one line naming the line
    (never a value). ``exact`` (``edit``'s document, which names every key exactly): a stored
    key's own name is that key, whatever other keys differ from it in case."""
    keys = list(stored)
    own = set(keys)
    by_form: dict[str, list[str]] = {}
    for k in keys:
        by_form.setdefault(variable_form(k), []).append(k)
    out: list[tuple[str, str]] = []
    first_line: dict[str, tuple[str, int]] = {}
    for name, value, line in entries:
        if not KEY_RE.fullmatch(name):
            raise dotenv_error(line, "the name is not a key chamber can store (only letters, "
                                     "digits, '_', '-' and '.')")
        candidates = by_form.get(variable_form(name), [])
        if name in own:
            same_but_case = [k for k in candidates if k != name and go_lower(k) == go_lower(name)]
            key = name if exact or not same_but_case else None
            if key is None:
                candidates = [name, *same_but_case]
        elif len(candidates) == 1:
            key = candidates[0]
        elif not candidates:
            key = go_lower(name)
        else:
            key = None
        if key is None:
            shown = sorted(candidates)
            named = ", ".join(shown[:_MAX_NAMED]) + (" ..." if len(shown) > _MAX_NAMED else "")
            raise dotenv_error(line, f"{name} could be any of the stored keys {named}: use the "
                                     "key's own name, or delete the keys you do not want")
        if key in first_line:
            other, at = first_line[key]
            raise dotenv_error(line, f"{name} and {other} (line {at}) both set the key {key}")
        first_line[key] = (name, line)
        out.append((key, value))
    return out

