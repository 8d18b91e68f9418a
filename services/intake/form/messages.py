"""The form's words in Japanese and English, and which language a request gets."""

from __future__ import annotations

from typing import Final, Literal

Language = Literal["ja", "en"]
LANGUAGES: Final[tuple[Language, ...]] = ("ja", "en")

TEXT: Final[dict[str, tuple[str, str]]] = {
    "page_title": ("個人情報の事故・ヒヤリハットの報告", "Report a personal-data incident"),
    "intro": (
        "個人情報の漏えい・紛失・誤送信などに気づいたら（疑いの段階でも）、すぐに報告してください。"
        "上司への報告もあわせて行ってください。わからない項目は「わからない」のままで構いません。",
        "If you notice personal data leaked, lost or sent to the wrong place — even if you only suspect it — "
        "report it now, and tell your manager as well. Leave anything you do not know as 'not sure'.",
    ),
    "switch_language": ("English", "日本語"),
    "required": ("必須", "required"),
    "optional": ("任意", "optional"),
    "section_you": ("あなたについて", "About you"),
    "reporter_name": ("氏名", "Your name"),
    "reporter_email": ("メールアドレス", "Your e-mail address"),
    "reporter_division": ("所属部門", "Your division or department"),
    "reporter_entity": ("会社名（グループ会社）", "Your company (group company)"),
    "reporter_entity_country": ("会社の所在国", "Country of your company"),
    "country_other": ("その他（ISO 2文字コード）", "Other (ISO two-letter code)"),
    "section_what": ("何が起きたか", "What happened"),
    "title": ("件名（一行で）", "Summary in one line"),
    "description": ("詳しい状況", "What happened, in your own words"),
    "description_hint": (
        "いつ・どこで・誰の・どんな情報が・どうなったか。漏えいした情報そのもの（カード番号など）は書かないでください。",
        "When, where, whose data, what data, and what happened to it. Do not paste the leaked data itself.",
    ),
    "incident_kind": ("どのような事故ですか", "What kind of incident is it?"),
    "section_when": ("いつ", "When"),
    "aware_at": ("気づいた日時", "When you (or the company) found out"),
    "occurred_at": ("発生した日時（わかれば）", "When it happened, if known"),
    "timezone": ("時間帯", "Time zone"),
    "section_data": ("どんな情報が含まれていましたか", "What data was involved?"),
    "data_categories_hint": ("当てはまるものをすべて選んでください。", "Tick everything that applies."),
    "section_people": ("影響を受けた人", "People affected"),
    "affected_count": ("人数（おおよそでも可）", "How many people (an estimate is fine)"),
    "affected_unknown": ("人数はわからない", "I do not know how many"),
    "subject_regions": ("その人たちが住んでいる国・地域（わかれば人数）", "Where they live, with numbers if known"),
    "region_other": ("その他の地域コード（例: US-NY, FR）", "Other region code (e.g. US-NY, FR)"),
    "region_count": ("人数", "people"),
    "section_circumstances": ("状況", "Circumstances"),
    "encryption": ("暗号化されていましたか", "Was the data encrypted?"),
    "recovered_before_access": (
        "第三者が見る前に回収・削除できたことを確認済み",
        "Confirmed recovered or deleted before anyone could see it",
    ),
    "malicious": ("悪意（攻撃・盗難・持ち出し）の疑いはありますか", "Is a wrongful purpose suspected?"),
    "publicly_viewable": (
        "不特定多数の人が見られる状態だった",
        "It could be seen by an unspecified number of people",
    ),
    "entity_role": ("誰の情報ですか", "Whose data is it?"),
    "contact_info_available": ("影響を受けた人に連絡できますか", "Can the people affected be contacted?"),
    "assets": ("関係するシステム・機器（カンマ区切り）", "Systems or devices involved (comma-separated)"),
    "submit": ("報告する", "Send the report"),
    "fix_errors": ("入力内容を確認してください。", "Please check the highlighted fields."),
    "csrf_expired": (
        "画面の有効期限が切れました。内容を確認して、もう一度送信してください。",
        "This page expired. Please check your answers and send again.",
    ),
    "received_title": ("報告を受け付けました", "Your report has been received"),
    "reference": ("受付番号", "Reference number"),
    "next_title": ("このあとの流れ", "What happens next"),
    "next_1": (
        "情報セキュリティインシデント窓口が内容を確認し、必要に応じてあなたに連絡します。",
        "The information-security incident contact desk reviews your report and will contact you if needed.",
    ),
    "next_2": (
        "まだであれば、上司にも受付番号とともに報告してください。",
        "If you have not done so yet, tell your manager, quoting the reference number.",
    ),
    "next_3": (
        "証拠（メール、ログ、機器）は削除・初期化せずに保全してください。影響を受けた方への連絡は、窓口の指示を待ってください。",
        "Keep the evidence (e-mails, logs, devices) as it is. Wait for the desk before contacting the people affected.",
    ),
    "next_4": (
        "新しい事実がわかったら、受付番号を添えて窓口に連絡してください。",
        "If you learn more, contact the desk and quote the reference number.",
    ),
    "another": ("別の報告をする", "Report something else"),
}

ERRORS: Final[dict[str, tuple[str, str]]] = {
    "missing": ("入力してください。", "This is required."),
    "choose": ("選んでください。", "Please choose one."),
    "email": ("メールアドレスの形式が正しくありません。", "This is not a valid e-mail address."),
    "datetime": ("日時を「2026-11-20 10:15」の形で入力してください。", "Enter a date and time like 2026-11-20 10:15."),
    "number": ("0以上の整数で入力してください。", "Enter a whole number, 0 or more."),
    "country": ("2文字の国コード（例: JP）を入力してください。", "Enter a two-letter country code such as JP."),
    "region": ("地域コードが正しくありません（例: JP, EU, US-CA）。", "Not a region code (e.g. JP, EU, US-CA)."),
    "too_long": ("長すぎます。", "This is too long."),
    "future": ("未来の日時は指定できません。", "This cannot be in the future."),
    "invalid": ("入力内容が正しくありません。", "This value is not valid."),
}


def text(key: str, language: Language) -> str:
    ja, en = TEXT[key]
    return ja if language == "ja" else en


def error_text(code: str, language: Language) -> str:
    ja, en = ERRORS.get(code, ERRORS["invalid"])
    return ja if language == "ja" else en


def pick_language(explicit: str | None, accept_language: str | None) -> Language:
    """`?lang=` or the form's hidden field wins; then the best of Accept-Language; Japanese otherwise."""
    for language in LANGUAGES:
        if explicit == language:
            return language
    ranked: list[tuple[float, int, Language]] = []
    for position, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        primary = tag.strip().lower().split("-")[0]
        for language in LANGUAGES:
            if primary == language and quality > 0:
                ranked.append((-quality, position, language))
    return min(ranked)[2] if ranked else "ja"
