"""Text put into a notice's Markdown as text, never as Markdown: specials escaped, one line. Pure."""

from __future__ import annotations

import re

# inline specials anywhere (emphasis, code, links, images, autolinks and raw HTML, tables, strike-through,
# entities); the rest only where they would open a block (the start of the value)
_INLINE = re.compile(r"([\\`*_{}\[\]<>!|~&])")
_BLOCK_START = re.compile(r"^(\s*)([#>+\-=]|\d+[.)])")


def escape_markdown(value: object) -> str:
    """`value` as literal Markdown text: newlines and other whitespace runs collapsed to one space (no new
    paragraph, heading or list can start), every character that could make a link, an image, emphasis or
    HTML backslash-escaped."""
    text = " ".join(str(value if value is not None else "").split())
    text = _INLINE.sub(r"\\\1", text)
    return _BLOCK_START.sub(
        lambda m: m.group(1) + "".join("\\" + c if not c.isdigit() else c for c in m.group(2)), text
    )
