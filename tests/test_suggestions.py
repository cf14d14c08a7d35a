"""The nearest valid code to what someone typed (cess_cli/suggestions.py): each rule, and
that a doubt gives no suggestion rather than a wrong one. Expected codes are by hand."""

from __future__ import annotations

from cess_cli.suggestions import NO_CODE, did_you_mean, fold, nearest


def test_a_paragraph_pasted_in_a_code_cell_gets_no_suggestion():
    names = [("Région", "REGION")]
    assert nearest("Région" + " subvention" * 17, ["REGION"], names=names) == ["REGION"]  # 193 characters
    assert nearest("Région" + " subvention" * 18, ["REGION"], names=names) == []  # 204: not searched


def test_codes_compare_without_case_accents_spaces_hyphens_or_dots():
    assert nearest("Région", ["REGION", "ETAT"]) == ["REGION"]
    assert nearest("grand lyon", ["GRAND_LYON", "VILLE_LYON"]) == ["GRAND_LYON"]
    assert nearest("Isere", ["38", "69"], names={"Isère": "38", "Rhône": "69"}) == ["38"]
    assert fold("III.1.1.1") == fold("III_1.1.1") == fold("iii 1-1-1") == fold("III\u20111–1.1")  # any dash
    assert nearest("zzz", ["REGION", "ETAT"]) == []
    assert did_you_mean("valdiate", ["validate", "template"]) == "Vouliez-vous dire « validate » ?"
    assert did_you_mean("zzz", ["validate"]) == ""


NAMES = [("Conseil général de l'Isère", "CG38"), ("Conseil général de l'Ardèche", "CG07"), ("Europe", "FEDER")]
NAMES += [("Europe", "FSE"), ("Ville de Lyon", "VILLE_LYON"), ("Communauté urbaine Grand Lyon", "GRAND_LYON")]
CODES = ["CG38", "CG07", "FEDER", "FSE", "VILLE_LYON", "GRAND_LYON", "CDC"]


def test_a_name_given_to_several_codes_names_them_all():
    assert nearest("europe", CODES, names=NAMES) == ["FEDER", "FSE"]
    assert did_you_mean("Europe", CODES, NAMES) == "Vouliez-vous dire « FEDER » ou « FSE » ?"
    many = [("Europe", code) for code in "ABCD"]
    assert nearest("Europe", "ABCD", names=many) == []  # four candidates say nothing useful


def test_every_word_of_a_name_typed_among_others():
    assert nearest("Subvention CDC 2015", CODES, names=NAMES) == ["CDC"]  # a filler and a number
    assert nearest("Subvention Ville de Lyon 2015", CODES, names=NAMES) == ["VILLE_LYON"]
    # « europe » is one name of two codes, « FSE » one code's own: the single one wins, and
    # « europe » is explained, being a name of FSE too
    assert nearest("Europe FSE", CODES, names=NAMES) == ["FSE"]
    assert nearest("CDC Rhône-Alpes", CODES, names=NAMES) == []  # « rhone alpes »: no name of CDC


def test_a_part_of_a_name_is_not_the_name():
    assert nearest("Lyon", CODES, names=NAMES) == []  # the Ville, the Communauté urbaine?
    assert nearest("Conseil général", CODES, names=NAMES) == []  # of the Isère, of the Ardèche?


DEPS = ["42", "74", "73", "HORS_RA"]
DEP_NAMES = [("Loire", "42"), ("Haute-Savoie", "74"), ("Savoie", "73"), ("Hors Rhône-Alpes", "HORS_RA")]
DEP_NAMES += [("Rhône-Alpes", NO_CODE), ("Toute la région", NO_CODE)]


def test_another_word_must_name_the_same_body():
    assert nearest("Haute-Loire", DEPS, names=DEP_NAMES) == []  # not « Loire », not « Haute-Savoie »
    assert nearest("Haute Loire", DEPS, names=DEP_NAMES) == []
    assert nearest("Loire (42)", DEPS, names=DEP_NAMES) == ["42"]
    assert nearest("Haute-Savoie (74)", DEPS, names=DEP_NAMES) == ["74"]  # « Savoie » too, but fewer words
    assert nearest("Rhône-Alpes", DEPS, names=DEP_NAMES) == [NO_CODE]  # never « Hors Rhône-Alpes »
    assert nearest("Rhône Alpes (toute la région)", DEPS, names=DEP_NAMES) == [NO_CODE]
    assert nearest("Hors Rhône–Alpes 2015", DEPS, names=DEP_NAMES) == ["HORS_RA"]  # an en dash
    assert did_you_mean("Rhône-Alpes", DEPS, DEP_NAMES) == ""  # no code to suggest
    assert nearest("Rhône-Alpes", DEPS, names=DEP_NAMES[:4]) == []  # spelt much as « Hors Rhône-Alpes »
    # « Région Rhône-Alpes » has more words typed than either name of HORS_RA, but no « hors »
    region = [*DEP_NAMES, ("Région Rhône-Alpes", NO_CODE), ("Hors région", "HORS_RA")]
    assert nearest("Hors région Rhône-Alpes", DEPS, names=region) == ["HORS_RA"]


def test_a_typing_error_only_when_near_clearly_ahead_and_alike_where_different():
    assert nearest("REGON", ["REGION", "ETAT"]) == ["REGION"]  # ratio 10/11 = 0.91
    assert nearest("ETTA", ["ETAT", "REGION"]) == ["ETAT"]  # 0.75, but two neighbouring letters swapped
    assert nearest("RGEION", ["REGION", "ETAT"]) == ["REGION"]
    assert nearest("CG83", ["CG38", "CG07"]) == []  # two figures swapped: another département
    assert nearest("TEA", ["ETA"]) == []  # three letters: an acronym
    assert nearest("ABDC", ["ABCD", "BADC"]) == []  # two swaps, two codes: no pick
    # the swap names one code, the spelling another: no pick
    assert nearest("ETTA", ["ETTAS"]) == ["ETTAS"]  # 0.89 by spelling
    assert nearest("ETTA", ["ETAT", "ETTAS"]) == []
    assert nearest("CD74", ["CG07"], names=[("CD7", "CG07")]) == []  # another number, another body
    assert nearest("CD", ["CDC", "CG38"]) == []  # 0.8
    assert nearest("CRA", ["REGION"], names=[("CRRA", "REGION")]) == []  # 0.86, but three letters: an acronym
    # « III_1.1 »: II_1.1 at 12/13 = 0.923, III_1.1.1 at 14/16 = 0.875, not clearly ahead
    assert nearest("III_1.1", ["II_1.1", "III_1.1.1", "III_1.1.2"]) == []
    assert nearest("III_1.1", ["II_1.1", "I_1.2"]) == ["II_1.1"]  # alone near enough
    assert nearest("III_1.1.33", ["III_1.1.3", "III_1.1.1"]) == ["III_1.1.3"]  # 18/19, 16/19
    names = [("Département de l'Ardèche", "CG07")]
    # 0.87 by spelling, but « drome » and « ardeche » differ (0.5): no suggestion
    assert nearest("Département de la Drôme", ["CG07"], names=names) == []
    assert nearest("Departement de l'Ardeche", ["CG07"], names=names) == ["CG07"]
    # 0.86, but « villefranche » / « villeurbanne »: 0.75
    assert nearest("Ville de Villefranche", ["V"], names=[("Ville de Villeurbanne", "V")]) == []
