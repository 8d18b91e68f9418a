"""The v2 regimes in Japanese as well as English: every v2 obligation code has both labels, and the
Japanese data-subject notice carries each local law's items in Japanese, as the English one does."""

from __future__ import annotations

import re

import pytest

from pidesk.shared.labels import OBLIGATION_LABELS
from pidesk.shared.vocabulary import ObligationCode
from tests.unit.test_notice_drafting_v2 import SUBJECT_ITEMS, draft

V2_REGIMES = {"ukgdpr", "pipl", "cn_cac", "ndb_au", "dpdp_in", "certin", "lgpd", "dpa_ph", "pmark"}
V2_CODES = sorted(c.value for c in ObligationCode if c.value.split(".")[0] in V2_REGIMES)
KANA_OR_KANJI = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def test_the_v2_obligation_codes_are_those_of_the_contract() -> None:
    assert len(V2_CODES) == 35  # UK 5, China 6, Australia 5, India 5, Brazil 6, Philippines 6, Privacy Mark 2


@pytest.mark.parametrize("code", V2_CODES)
def test_every_v2_obligation_has_a_japanese_and_an_english_label(code: str) -> None:
    labels = OBLIGATION_LABELS[code]
    assert KANA_OR_KANJI.search(labels["ja"]), code
    assert labels["en"] and not KANA_OR_KANJI.search(labels["en"].replace("確報", "").replace("速報", "")), code
    assert labels["ja"] != labels["en"]


# Per obligation: the law's heading and the items of its section, in Japanese.
SUBJECT_ITEMS_JA: dict[str, list[str]] = {
    "ukgdpr.notify_data_subjects": ["英国GDPR第34条第2項", "個人データ侵害の性質",
                                    "データ保護責任者その他の連絡窓口", "侵害により生じ得る結果",
                                    "悪影響を軽減するための措置", "英国情報コミッショナー事務局"],
    "pipl.notify_individuals": ["中国個人情報保護法第57条", "関係する個人情報の種類、原因及び生じ得る損害",
                                "当社が講じた救済措置", "ご本人が講じることのできる措置", "当社の連絡先"],
    "ndb_au.notify_individuals": ["第26WL条", "当社の名称及び連絡先", "データ侵害の内容", "関係する情報の種類",
                                  "ご本人が講じるべき措置に関する当社の推奨", "豪州情報コミッショナー事務局"],
    "dpdp_in.notify_data_principals": ["規則第7条第1項", "性質、範囲、発生時期及び発生場所", "ご本人に生じ得る結果",
                                       "軽減措置", "安全措置", "業務上の連絡先"],
    "lgpd.notify_data_subjects": ["LGPD第48条第1項", "影響を受けた個人データの性質", "技術上及び安全管理上の措置",
                                  "インシデントに関するリスク", "お知らせが遅れた場合はその理由",
                                  "損害の影響を回復し又は軽減する", "encarregado"],
    "dpa_ph.notify_data_subjects": ["NPC通達16-03第18条", "侵害の性質", "関係する可能性のある個人データ",
                                    "侵害に対処するために当社が講じた措置", "悪影響を軽減する", "ご本人への支援",
                                    "当社の担当者", "フィリピン国家プライバシー委員会"],
}  # fmt: skip


def test_the_japanese_items_cover_the_same_notices_as_the_english_ones() -> None:
    assert set(SUBJECT_ITEMS_JA) == set(SUBJECT_ITEMS)


@pytest.mark.parametrize("code", sorted(SUBJECT_ITEMS_JA))
def test_the_japanese_notice_for_a_new_region_carries_its_laws_items_in_japanese(code: str) -> None:
    body = draft(code, "ja")
    assert "## 現地の法令により記載が求められる事項" in body
    section = body.split("## 現地の法令により記載が求められる事項", 1)[1]
    for item in SUBJECT_ITEMS_JA[code]:
        assert item in section, (code, item)
    for other in set(SUBJECT_ITEMS_JA) - {code}:  # only the laws that apply
        assert SUBJECT_ITEMS_JA[other][0] not in body, (code, other)
    for line in section.splitlines():  # no English item left over (the ICO's phone and URLs aside)
        if line.startswith("- "):
            assert KANA_OR_KANJI.search(line), (code, line)
    assert 'see "' not in section and "For individuals" not in section


def test_a_v1_only_japanese_notice_has_no_local_law_section() -> None:
    assert "現地の法令により記載が求められる事項" not in draft("gdpr.notify_data_subjects", "ja")
