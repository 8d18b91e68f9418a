"""Renders notice templates (Jinja2, Markdown out) and turns Markdown into safe HTML."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markdown_it import MarkdownIt
from markdown_it.token import Token

from pidesk.services.notifier.domain.markdown_text import escape_markdown

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


@dataclass(frozen=True)
class RenderedNotice:
    subject: str
    body: str  # Markdown


@lru_cache(maxsize=1)
def _notices() -> Environment:
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES / "notices"),
        undefined=StrictUndefined,
        # Markdown out, never HTML: markdown_html() makes the HTML and escapes any raw HTML in it
        autoescape=False,  # noqa: S701
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,  # the templates ship with the code: no stat() of the file at every render
    )
    # `{{ value | md }}`: text from outside the templates (company, contact, authority, legal basis) as
    # literal Markdown text, one line, no link or emphasis it could make
    environment.filters["md"] = escape_markdown
    return environment


@lru_cache(maxsize=1)
def pages() -> Environment:
    """The HTML and XML pages (public notices, their Atom feed), autoescaped."""
    return Environment(
        loader=FileSystemLoader(TEMPLATES / "pages"),
        undefined=StrictUndefined,
        autoescape=select_autoescape(["html", "xml", "atom"]),
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )


def render_notice(template: str, language: str, context: dict[str, Any]) -> RenderedNotice:
    """`templates/notices/<template>.<language>.md.j2` with `context`: its `subject` and Markdown body."""
    module = _notices().get_template(f"{template}.{language}.md.j2").make_module(context)
    subject = " ".join(str(getattr(module, "subject", "")).split())
    return RenderedNotice(subject=subject[:500], body=str(module).strip() + "\n")


def _wide(character: str) -> bool:
    return bool(character) and unicodedata.east_asian_width(character) in ("W", "F")


def _softbreak(_renderer: object, tokens: Sequence[Token], idx: int, _options: object, _env: object) -> str:
    """A wrapped source line inside a paragraph: a space between words, nothing between two Japanese characters
    (browsers would show a stray space in "記載して おります")."""
    before = tokens[idx - 1].content[-1:] if idx > 0 else ""
    after = tokens[idx + 1].content[:1] if idx + 1 < len(tokens) else ""
    return "" if _wide(before) and _wide(after) else "\n"


# `breaks` off: a hard-wrapped line continues its paragraph (CommonMark); a deliberate line break (an address
# block) ends its line with a backslash
_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False, "breaks": False}).enable("table")
_markdown.add_render_rule("softbreak", _softbreak)


@lru_cache(maxsize=256)
def markdown_html(text: str) -> str:
    """HTML for Markdown `text`; raw HTML in the text is escaped, never passed through. Remembered: an
    alert's mail has the same body for everyone on it (the name is filled in per message)."""
    html: str = _markdown.render(text)
    return html


def salutation(name: str, language: str) -> str:
    """The line that opens a mailed notice whose wording the desk wrote: `山田 太郎 様` / `Dear Jane Doe,`."""
    name = " ".join(name.split())
    if not name:
        return ""
    return f"{name} 様\n\n" if language == "ja" else f"Dear {name},\n\n"
