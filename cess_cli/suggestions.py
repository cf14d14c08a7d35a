"""The valid code nearest to what someone typed, for the « Vouliez-vous dire … ? » of a
finding's hint (README *Checks*, « Suggestions »).

A suggestion an operator follows must never name another funder or département: when
in doubt, cess suggests nothing (the hint still lists the valid codes) or names every
candidate. In order:

1. the typed text, compared without case, accents, spaces or hyphens (`fold`), is a code,
   a label or one of the other names the referential gives (`autres_noms`): its code, or
   every code that name is given to (« fonds européens »: FEDER, FSE, FEADER);
2. the significant words of a name are all in the typed text (« Subvention Région »,
   « Isère (38) », « CDC Rhône-Alpes »): the code of the name with the most such words,
   when one code has it; or the typed words are all in one code's names (« Pilat »),
   never in a name that says « hors » unless the typed text says it too;
3. a typing error (« REGON », « CG7 »): difflib's ratio of at least 0.8, clearly ahead
   (by 0.05) of the nearest other code.

Some names stand for no code at all (a figure for the whole region typed as a
département): `names` maps them to `NO_CODE`, and `nearest` returns [NO_CODE].
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable, Mapping

NO_CODE = ""  # a name that stands for no code (the whole region, for a département)
CUTOFF = 0.8  # difflib ratio of a typing error: « REGON » / « region » 0.91, « cg7 » / « cg07 » 0.86
MARGIN = 0.05  # how far ahead of any other code the nearest must be
WORDS_CUTOFF = 0.6  # the words where two names differ: « regon » / « region » 0.91, « drome » / « ardeche » 0.5
MAX_NAMED = 3  # more candidates than this say nothing useful: none is named
_STOP = frozenset({"a", "au", "aux", "d", "de", "des", "du", "en", "et", "l", "la", "le", "les"})
_NEGATION = "hors"
Names = Mapping[str, str] | Iterable[tuple[str, str]]


def fold(text: str) -> str:
    """Compare form: no case, no accents, spaces, hyphens and dots as `_` (« Région » ->
    `region`, « III.1.1.1 » -> `iii_1_1_1`, as `III_1.1.1`)."""
    decomposed = unicodedata.normalize("NFKD", text.strip().casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return plain.replace(" ", "_").replace("-", "_").replace(".", "_")


def _word_list(text: str) -> list[str]:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    words = (w.strip("-.") for w in re.split(r"[^0-9a-z.-]+", plain))
    return [w for w in words if w and w not in _STOP]


def _words(text: str) -> frozenset[str]:
    """The significant words of a name: no case, no accents, a hyphenated compound one word
    (« Haute-Loire » is not « Loire », « Rhône-Alpes » not « Rhône »), small words dropped."""
    return frozenset(_word_list(text))


def nearest(typed: str, choices: Iterable[str], *, names: Names | None = None) -> list[str]:
    """The codes `typed` most likely means, by the rules of this module: one code, or all
    the codes a name is equally given to (at most `MAX_NAMED`), or [] when nothing is
    close or the nearest is not clearly ahead. `choices` are the valid codes; `names`
    gives other names (label -> code, or (name, code) pairs when a name has several
    codes); a name given `NO_CODE` stands for no code."""
    pairs = list(names.items() if isinstance(names, Mapping) else names or ())
    by_fold: dict[str, list[str]] = {}
    by_words: dict[frozenset[str], list[str]] = {}
    for name, code in [*((c, c) for c in choices), *pairs]:
        for codes in (by_fold.setdefault(fold(name), []), by_words.setdefault(_words(name), [])):
            if code not in codes:
                codes.append(code)
    key = fold(typed)
    if key in by_fold:
        return _named(by_fold[key])
    found = _by_words(_words(typed), by_words)
    return found if found is not None else _by_spelling(key, by_fold)


def _named(codes: list[str]) -> list[str]:
    return list(codes) if len(codes) <= MAX_NAMED else []


def _by_words(typed: frozenset[str], by_words: dict[frozenset[str], list[str]]) -> list[str] | None:
    """Rule 2: the codes of the names whose words are all typed (the most words win; a name
    given to one code before a name given to several), else of the names that hold every
    typed word; « hors » must be on both sides or neither. None when no name qualifies."""
    if not typed:
        return None
    negated = _NEGATION in typed
    names = [(words, codes) for words, codes in by_words.items() if words and (_NEGATION in words) == negated]
    for single in (True, False):
        best, found = 0, list[str]()
        for words, codes in names:
            if (len(codes) == 1) == single and words <= typed and len(words) >= best:
                found = ([] if len(words) > best else found) + codes
                best = len(words)
        if found:
            return _named(list(dict.fromkeys(found)))
    holders = [c for words, codes in names if typed <= words for c in codes]
    return _named(list(dict.fromkeys(holders))) if holders else None


def _by_spelling(key: str, by_fold: dict[str, list[str]]) -> list[str]:
    """Rule 3: the code of the name nearest in spelling, if near enough, clearly ahead, and
    alike in the words where they differ (« Département de la Drôme » is not « Département
    de l'Ardèche », however much of the two is the same)."""
    best: dict[str, float] = {}
    matcher = difflib.SequenceMatcher(b=key)
    for name, codes in by_fold.items():
        matcher.set_seq1(name)
        if matcher.real_quick_ratio() < CUTOFF or matcher.quick_ratio() < CUTOFF:
            continue
        ratio = matcher.ratio()
        if ratio < CUTOFF or not _alike_where_different(key, name):
            continue
        for code in codes:
            best[code] = max(best.get(code, 0.0), ratio)
    ranked = sorted(best.values(), reverse=True)
    if not ranked or (len(ranked) > 1 and ranked[0] - ranked[1] < MARGIN):
        return []
    return [code for code, ratio in best.items() if ratio == ranked[0]][:1]


def _alike_where_different(typed: str, name: str) -> bool:
    """Whether the words only one of the two has are themselves alike (difflib ratio 0.6,
    spaces aside: « cd 38 » and « cd38 » are alike), and « hors » on both sides or neither."""
    a, b = _word_list(typed.replace("_", " ")), _word_list(name.replace("_", " "))
    if (_NEGATION in a) != (_NEGATION in b):
        return False  # « Rhône-Alpes » is not « Hors Rhône-Alpes », however alike they are spelt
    only_a, only_b = "".join(w for w in a if w not in b), "".join(w for w in b if w not in a)
    return not only_a or not only_b or difflib.SequenceMatcher(a=only_a, b=only_b).ratio() >= WORDS_CUTOFF


def did_you_mean(
    typed: str,
    choices: Iterable[str],
    names: Names | None = None,
    labels: Mapping[str, str] | None = None,
) -> str:
    """« Vouliez-vous dire « III_1.1.3 » ? », or "" when no code is close; with `labels`
    (code -> label), the code's label follows it: « « CG38 » (Le Conseil Général de l'Isère) »;
    several candidates: « Vouliez-vous dire « FEDER », « FSE » ou « FEADER » ? »."""
    best = [c for c in nearest(typed, choices, names=names) if c != NO_CODE]
    if not best:
        return ""
    shown = [f"« {code} »" + (f" ({labels[code]})" if labels and code in labels else "") for code in best]
    said = shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " ou " + shown[-1]
    return f"Vouliez-vous dire {said} ?"


def suggestion(
    typed: str,
    choices: Iterable[str],
    names: Names | None = None,
    labels: Mapping[str, str] | None = None,
) -> str:
    """The `{suggestion}` of a finding's hint: « Vouliez-vous dire « REGION » ? » and a space,
    or "" when no code is close."""
    text = did_you_mean(typed, choices, names, labels)
    return f"{text} " if text else ""
