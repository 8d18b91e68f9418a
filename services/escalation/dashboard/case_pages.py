"""The desk's pages on government requests and privacy complaints (issue 17): a list and a case each,
read-only (every change goes through the desk API). The reads are the desk API's own
(service/case_reads.py): each one is noted in the case's log, and a request under a confidentiality
order exists only for the roles that may see it."""

from __future__ import annotations

import uuid

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from pidesk.services.escalation.dashboard.pages import PAGE, SIGN_IN, Page
from pidesk.services.escalation.entrypoints.deps import Ctx
from pidesk.services.escalation.service import case_reads
from pidesk.services.escalation.service.desk import DeskError
from pidesk.shared.cipher import FieldCipher
from pidesk.shared.db.base import utcnow
from pidesk.shared.http.openapi import documented

router = APIRouter(tags=["dashboard"])
CASE_PAGE = documented(errors=[422], pages=[404], auth=["session"], also=SIGN_IN)  # 404: no such case, or hidden
WORDS = {
    "requests_help": (
        "政府・捜査機関からの個人情報提供要請。部門長 → 個人情報保護管理者 → 個人情報保護責任者の順に報告・相談する。",
        "Requests from governments and law-enforcement agencies: division manager → PI administrator → officer.",
    ),
    "complaints_help": (
        "個人情報に関する苦情・請求と、法令上の回答期限。",
        "Privacy complaints and their statutory clocks.",
    ),
    "reference": ("受付番号", "Reference"),
    "status": ("状態", "Status"),
    "received": ("受領", "Received"),
    "authority": ("要請機関", "Authority"),
    "instrument": ("根拠", "Instrument"),
    "decision": ("判断", "Decision"),
    "deadline": ("期限", "Deadline"),
    "confidential": ("守秘命令あり", "under a confidentiality order"),
    "complainant": ("申出者", "Complainant"),
    "kind": ("種類", "Kind"),
    "due": ("回答期限", "Due"),
    "without_delay": ("遅滞なく", "without delay"),
    "outcome": ("結果", "Outcome"),
    "none": ("該当なし", "None"),
    "routes": ("報告・相談の経路", "Path"),
    "acknowledged": ("確認", "Acknowledged"),
    "overdue": ("期限超過", "overdue"),
    "assessment": ("評価", "Assessment"),
    "conflicts": ("法の抵触", "Conflicts of law"),
    "ledger": ("台帳との照合", "Ledger matches"),
    "documents": ("添付文書", "Documents"),
    "log": ("閲覧・操作の記録", "Case log"),
    "clock": ("法令上の期限", "Statutory clock"),
    "reply": ("回答", "Reply"),
    "incident": ("関連インシデント", "Linked incident"),
    "yes": ("はい", "yes"),
    "no": ("いいえ", "no"),
}


def _words(language: str) -> dict[str, str]:
    return {key: pair[0] if language == "ja" else pair[1] for key, pair in WORDS.items()}


def _cipher(context: Ctx) -> FieldCipher:
    assert context.case_cipher is not None  # bootstrap.py sets it
    return context.case_cipher


@router.get("/desk/government-requests", response_class=HTMLResponse, **PAGE)
async def requests_page(page: Page, context: Ctx) -> Response:
    principal, session_csrf = await page.signed_in()
    listed = await case_reads.request_page(
        context.uow(), case_reads.RequestFilter(), principal, offset=0, limit=200, now=utcnow()
    )
    return page.render(
        "cases.html", principal=principal, csrf_token=session_csrf, kind="request", items=listed.items, words=_words
    )


@router.get("/desk/government-requests/{case_id}", response_class=HTMLResponse, **CASE_PAGE)
async def request_page(case_id: uuid.UUID, page: Page, context: Ctx) -> Response:
    principal, session_csrf = await page.signed_in()
    try:
        case = await case_reads.request_detail(context.uow(), _cipher(context), case_id, principal, utcnow())
    except DeskError:
        return page.render("not_found.html", 404, principal=principal, csrf_token=session_csrf)
    return page.render(
        "case.html", principal=principal, csrf_token=session_csrf, kind="request", case=case, words=_words
    )


@router.get("/desk/complaints", response_class=HTMLResponse, **PAGE)
async def complaints_page(page: Page, context: Ctx) -> Response:
    principal, session_csrf = await page.signed_in()
    listed = await case_reads.complaint_page(
        context.uow(), case_reads.ComplaintFilter(), principal, offset=0, limit=200, now=utcnow()
    )
    return page.render(
        "cases.html", principal=principal, csrf_token=session_csrf, kind="complaint", items=listed.items, words=_words
    )


@router.get("/desk/complaints/{case_id}", response_class=HTMLResponse, **CASE_PAGE)
async def complaint_page(case_id: uuid.UUID, page: Page, context: Ctx) -> Response:
    principal, session_csrf = await page.signed_in()
    try:
        case = await case_reads.complaint_detail(context.uow(), _cipher(context), case_id, principal, utcnow())
    except DeskError:
        return page.render("not_found.html", 404, principal=principal, csrf_token=session_csrf)
    return page.render(
        "case.html", principal=principal, csrf_token=session_csrf, kind="complaint", case=case, words=_words
    )
