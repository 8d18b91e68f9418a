"""The words of the government-request and complaint forms (issue 17), in Japanese and English."""

from __future__ import annotations

from typing import Final

from pidesk.services.intake.form.messages import Language

CASE_TEXT: Final[dict[str, tuple[str, str]]] = {
    "request_title": ("政府・捜査機関からの個人情報提供要請の受付", "A government or law-enforcement request for data"),
    "request_intro": (
        "政府機関・捜査機関から個人情報の提供を求められたら、回答する前にここで受付してください。"
        "部門長から個人情報保護管理者、個人情報保護責任者へと報告・相談し、提供の要否を判断します。",
        "When a government or law-enforcement agency asks for personal data, enter it here before answering. "
        "Your division's general manager reports it to the Personal Information Protection Administrator, who "
        "consults the officer in charge; they decide whether providing the data is necessary and lawful.",
    ),
    "complaint_title": ("個人情報に関する苦情・請求の受付", "A privacy complaint or data-subject request"),
    "complaint_intro": (
        "個人情報の取扱いについて苦情や開示等の請求を受けたら、ここで受付してください。法令で回答期限が定められている場合があります。",
        "When someone complains about how personal data is handled, or asks for their data, enter it here. "
        "A law may set the time to answer.",
    ),
    "section_you": ("受付した人", "Who received it"),
    "name": ("氏名", "Your name"),
    "email": ("メールアドレス", "Your e-mail address"),
    "division": ("受付部門", "Receiving division"),
    "company": ("会社名（グループ会社）", "Company (group company)"),
    "company_country": ("会社の所在国（2文字コード）", "Country of the company (two letters)"),
    "section_request": ("要請の内容", "The request"),
    "authority": ("要請した機関", "Requesting authority"),
    "authority_country": ("機関の国（2文字コード、例: JP, US）", "Authority's country (two letters, e.g. JP, US)"),
    "instrument": ("根拠", "Legal instrument cited"),
    "authority_reference": ("先方の文書番号", "The authority's file number"),
    "received_at": ("受領日時", "Received at"),
    "deadline_at": ("回答期限", "Deadline"),
    "timezone": ("時間帯", "Time zone"),
    "section_data": ("求められた情報", "Data asked for"),
    "data_categories": ("情報の種類", "Kinds of data"),
    "subject_regions": (
        "本人の国・地域（カンマ区切り、例: JP, EU）",
        "Where the people are (comma-separated, e.g. JP, EU)",
    ),
    "people": ("対象者（1行に1人）", "People named (one per line)"),
    "assets": (
        "システム・資産（カンマ区切り、例: s3:crm-prod）",
        "Systems or assets (comma-separated, e.g. s3:crm-prod)",
    ),
    "confidential": ("守秘命令（開示禁止）がある", "Under a confidentiality (gag) order"),
    "summary": ("内容", "What it says"),
    "section_complaint": ("苦情・請求の内容", "The complaint"),
    "complainant_kind": ("申出者", "Who complains"),
    "complainant_name": ("申出者の氏名", "Complainant's name"),
    "complainant_contact": ("申出者の連絡先", "Complainant's contact"),
    "request_kind": ("種類", "Kind"),
    "alleges_leak": ("漏えいの申出を含む", "It says personal data leaked"),
    "required": ("必須", "required"),
    "optional": ("任意", "optional"),
    "submit": ("受付する", "Submit"),
    "switch_language": ("English", "日本語"),
    "fix_errors": ("入力内容を確認してください。", "Please check the highlighted fields."),
    "csrf_expired": (
        "画面の有効期限が切れました。内容を確認して、もう一度送信してください。",
        "This page expired. Please check your answers and send again.",
    ),
    "received_title": ("受け付けました", "Received"),
    "reference": ("受付番号", "Reference number"),
    "received_next": (
        "個人情報保護の窓口が担当者に回付します。先方へは、窓口の指示があるまで回答しないでください。",
        "The privacy desk routes it to those responsible. Do not answer before the desk tells you to.",
    ),
}


def case_text(key: str, language: Language) -> str:
    ja, en = CASE_TEXT[key]
    return ja if language == "ja" else en
