"""The valid code nearest to what someone typed, for the « Vouliez-vous dire … ? » of a
finding's hint (README *Checks*, « Suggestions »).

A suggestion an operator follows must never name another funder or département: when
in doubt, cess suggests nothing (the hint still lists the valid codes) or names every
candidate. In order:

1. the typed text, compared without case, accents, spaces, dashes or dots (`fold`), is a
   code, a label or one of the other names the referential gives (`autres_noms`): its
   code, or every code that name is given to (« fonds européens »: FEDER, FSE, FEADER);
2. by whole words (small words aside): every word of a name, or of a one-word code, is
   typed, and every other typed word is a year, a filler (« Subvention », « Aide »…) or
   a word of another name of the same code typed whole (« Isère (38) », « Subvention
   Région », « Etat - DIRECCTE »; never « Haute Loire » for the Loire, « Région Auvergne »
   for the Région, « Rhône-Alpes » for « Hors Rhône-Alpes »): every code so named;
3. a typing error (« REGON », « III_1.1.33 »): four characters or more, difflib's ratio
   of at least 0.85, 0.1 ahead of the nearest other code, the words where the two
   differ alike (0.8: « Drôme » is not « Ardèche », « Villefranche » not « Villeurbanne »;
   a word only one of them has is no typing error); or two neighbouring letters swapped
   (« ETTA » for « ETAT », four characters or more; never two figures: « CG83 » is the
   Var's council, not the Isère's), when the swaps name one code only and the spelling
   names no other.

Some names stand for no code at all (a figure for the whole region typed as a
département): `names` maps them to `NO_CODE`, and `nearest` returns [NO_CODE].
"""

from __future__ import annotations

import difflib
import functools
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping

NO_CODE = ""  # a name that stands for no code (the whole region, for a département)
CUTOFF = 0.85  # difflib ratio of a typing error: « REGON » / « region » 0.91, « cg7 » / « cg07 » 0.86
MARGIN = 0.1  # how far ahead of any other code the nearest must be (« II_1.1.1 »: III_1.1.1 0.94, II_1.1 0.86)
WORDS_CUTOFF = 0.8  # the words where two names differ: « villefranche » / « villeurbanne » 0.75
MIN_TYPED = 4  # « CD » is no typing error of « CDC », nor « CRA » of « CRRA »
MAX_NAMED = 3  # more candidates than this say nothing useful: none is named
MAX_TYPED = 200  # characters: the longest name of the referential has about 90
_STOP = frozenset({"a", "au", "aux", "d", "de", "des", "du", "en", "et", "l", "la", "le", "les"})
# words that say nothing of which body is meant, typed beside its name
_FILLER = frozenset({"subvention", "subventions", "aide", "aides", "financement", "financements"})
_FILLER |= {"participation", "dotation", "association", "agglo"}
Names = Mapping[str, str] | Iterable[tuple[str, str]]


def _plain(text: str) -> str:
    """No case, no accents, every dash (en dash, non-breaking hyphen…) a hyphen."""
    decomposed = unicodedata.normalize("NFKD", text.strip().casefold())
    return "".join("-" if unicodedata.category(c) == "Pd" else c for c in decomposed if not unicodedata.combining(c))


def fold(text: str) -> str:
    """Compare form: no case, no accents, spaces, dashes and dots as `_`, Excel's ’ as '
    (« Région » -> `region`, « III.1.1.1 » -> `iii_1_1_1`, as `III_1.1.1`)."""
    return re.sub(r"[\s.-]", "_", _plain(text)).replace("’", "'")


def _word_list(text: str) -> list[str]:
    return [w for w in re.split(r"[^0-9a-z]+", _plain(text)) if w and w not in _STOP]


def _words(text: str) -> frozenset[str]:
    """The significant words of a name: no case, no accents, small words dropped."""
    return frozenset(_word_list(text))


def same_words(typed: str, name: str) -> bool:
    """Whether `typed` says `name` in the same significant words, whatever its case, accents,
    apostrophes (’ or '), spacing or punctuation (« Réalisations de l’année : » says
    « Réalisations de l'année »): a name so typed is unambiguous."""
    return bool(_words(name)) and _words(typed) == _words(name)


class _Table:
    """The names of the valid codes, as `nearest` compares them."""

    def __init__(self, choices: tuple[str, ...], pairs: tuple[tuple[str, str], ...]) -> None:
        codes = [(c, c) for c in choices]
        self.by_fold: dict[str, list[str]] = defaultdict(list)
        self.code_keys = {fold(c) for c, _ in codes}  # a code's figures are compared by the ratio
        self.by_words: dict[frozenset[str], list[str]] = defaultdict(list)  # names, one-word codes
        for name, code in [*codes, *pairs]:
            _add(self.by_fold[fold(name)], code)
        for name, code in [*((n, c) for n, c in codes if re.fullmatch(r"[A-Za-z0-9]+", n)), *pairs]:
            _add(self.by_words[_words(name)], code)
        self.by_fold, self.by_words = dict(self.by_fold), dict(self.by_words)  # shared: never to grow


@functools.lru_cache(maxsize=16)
def _table(choices: tuple[str, ...], pairs: tuple[tuple[str, str], ...]) -> _Table:
    """The table of a referential's codes and names, built once (a worker meets the same
    funders, départements and actions in every bilan)."""
    return _Table(choices, pairs)


def _add(codes: list[str], code: str) -> None:
    if code not in codes:
        codes.append(code)


def nearest(typed: str, choices: Iterable[str], *, names: Names | None = None) -> list[str]:
    """The codes `typed` most likely means, by the rules of this module: one code, or all
    the codes a name is equally given to (at most `MAX_NAMED`), or [] when nothing is
    close or the nearest is not clearly ahead. `choices` are the valid codes; `names`
    gives other names (label -> code, or (name, code) pairs when a name has several
    codes); a name given `NO_CODE` stands for no code."""
    if len(typed) > MAX_TYPED:  # no code nor name is this long: a paragraph pasted in a cell
        return []
    pairs = tuple(names.items() if isinstance(names, Mapping) else names or ())
    table = _table(tuple(choices), pairs)
    key = fold(typed)
    if key in table.by_fold:
        return _named(table.by_fold[key])
    found = _by_words(_words(typed), table)
    if found is not None:
        return found
    spelt, swapped = _by_spelling(key, table), _by_swap(key, table)
    return spelt if not swapped else swapped if spelt in ([], swapped) else []


def _named(codes: list[str]) -> list[str]:
    return list(codes) if len(codes) <= MAX_NAMED else []


def _by_words(typed: frozenset[str], table: _Table) -> list[str] | None:
    """Rule 2; None when no name qualifies."""
    whole = [(words, codes) for words, codes in table.by_words.items() if words and words <= typed]
    covered: dict[str, set[str]] = defaultdict(set)  # per code, the words of its names typed whole
    for words, codes in whole:
        for code in codes:
            covered[code] |= words
    found = [c for words, codes in whole for c in codes if _explained(typed - words, covered[c])]
    return _named(list(dict.fromkeys(found))) if found else None


def _explained(left: frozenset[str], covered: set[str]) -> bool:
    """Whether the typed words a name leaves are a year or a postal code (four figures or
    more: never « 01 », a département), fillers, or words of the code's other names."""
    return all((w.isdigit() and len(w) >= 4) or w in _FILLER or w in covered for w in left)


def _by_spelling(key: str, table: _Table) -> list[str]:
    """Rule 3: the code of the name nearest in spelling, if near enough, clearly ahead, and
    alike in the words where they differ."""
    if len(key.replace("_", "")) < MIN_TYPED:
        return []
    best: dict[str, float] = {}  # every code near enough to stand in the way of the nearest
    matcher = difflib.SequenceMatcher(b=key)
    floor = CUTOFF - MARGIN
    for name, codes in table.by_fold.items():
        matcher.set_seq1(name)
        if matcher.real_quick_ratio() < floor or matcher.quick_ratio() < floor:
            continue
        ratio = matcher.ratio()
        if ratio < floor or not _alike_where_different(key, name, figures=name not in table.code_keys):
            continue
        for code in codes:
            best[code] = max(best.get(code, 0.0), ratio)
    ranked = sorted(best.values(), reverse=True)
    if not ranked or ranked[0] < CUTOFF or (len(ranked) > 1 and ranked[0] - ranked[1] < MARGIN):
        return []
    return [code for code, ratio in best.items() if ratio == ranked[0]][:1]


def _by_swap(key: str, table: _Table) -> list[str]:
    """Rule 3's other typing error: the one code a name or code spelt with two neighbouring
    letters swapped stands for (« etta » -> « etat »), or [] (figures are never swapped:
    « cg83 » is no « cg38 »)."""
    if len(key.replace("_", "")) < MIN_TYPED:
        return []
    found: list[str] = []
    for i in range(len(key) - 1):
        a, b = key[i], key[i + 1]
        if a != b and a.isalpha() and b.isalpha():
            for code in table.by_fold.get(key[:i] + b + a + key[i + 2 :], ()):
                _add(found, code)
    return found if len(found) == 1 else []


def _alike_where_different(typed: str, name: str, *, figures: bool) -> bool:
    """Whether the words only one of the two has are themselves alike (`WORDS_CUTOFF`,
    spaces aside: « cd 38 » and « cd38 » are alike); against a code, their letters only
    (`figures=False`: « III_1.1.33 » and « III_1.1.3 » are alike, the ratio judges them),
    against a name, its figures must be the same (« Département 971 » is not
    « Département 07 », « CD74 » not « CD7 »). A word only one of them has is no typing
    error."""
    if figures and re.sub(r"[^0-9]", "", typed) != re.sub(r"[^0-9]", "", name):
        return False  # another number is another body (« CD74 » is not « CD7 »)
    a, b = _word_list(typed.replace("_", " ")), _word_list(name.replace("_", " "))
    common = Counter(a) & Counter(b)  # « iii_1_1_6 » and « iii_1_1_1 » differ in one word
    only_a, only_b = ("".join((Counter(w) - common).elements()) for w in (a, b))
    if not figures:  # a code's numbers are judged by the ratio (« III_1.1.33 »)
        only_a, only_b = re.sub(r"[0-9]", "", only_a), re.sub(r"[0-9]", "", only_b)
    if not only_a or not only_b:  # a word typed, or left out, is no typing error (« Métropole de La »)
        return not only_a and not only_b
    return difflib.SequenceMatcher(a=only_a, b=only_b).ratio() >= WORDS_CUTOFF


def did_you_mean(
    typed: str,
    choices: Iterable[str],
    names: Names | None = None,
    labels: Mapping[str, str] | None = None,
) -> str:
    """« Vouliez-vous dire « III_1.1.3 » ? », or "" when no code is close; with `labels`
    (code -> label), the code's label follows it: « « CG38 » (Le Conseil Général de l'Isère) »;
    several candidates: « Vouliez-vous dire « FEDER », « FSE » ou « FEADER » ? »."""
    return _question(nearest(typed, choices, names=names), labels)


def said(codes: list[str], labels: Mapping[str, str] | None = None) -> str:
    """The `{suggestion}` of a finding's hint for the codes `nearest` found (NO_CODE left
    out): « Vouliez-vous dire « 38 » (Isère) ? » and a space, or ""."""
    text = _question(codes, labels)
    return f"{text} " if text else ""


def suggestion(
    typed: str,
    choices: Iterable[str],
    names: Names | None = None,
    labels: Mapping[str, str] | None = None,
) -> str:
    """The `{suggestion}` of a finding's hint: « Vouliez-vous dire « REGION » ? » and a space,
    or "" when no code is close."""
    return said(nearest(typed, choices, names=names), labels)


def _question(codes: list[str], labels: Mapping[str, str] | None) -> str:
    best = [c for c in codes if c != NO_CODE]
    if not best:
        return ""
    shown = [f"« {code} »" + (f" ({labels[code]})" if labels and code in labels else "") for code in best]
    named = shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " ou " + shown[-1]
    return f"Vouliez-vous dire {named} ?"
