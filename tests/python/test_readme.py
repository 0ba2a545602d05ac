"""The README's Python quick start prints what the README says it prints:
the C++ quick start's two lines (the block after "It prints:")."""

from __future__ import annotations

import contextlib
import io
import pathlib
import re

README = pathlib.Path(__file__).parents[2] / "README.md"


def block_after(text: str, marker: str, lang: str) -> str:
    start = text.index(marker)
    m = re.compile(r"```" + lang + r"\n(.*?)```", re.S).search(text, start)
    assert m is not None, f"no ```{lang} block after {marker!r}"
    return m.group(1)


def test_python_quick_start_prints_the_cpp_quick_starts_lines() -> None:
    text = README.read_text()
    code = block_after(text, "## Python quick start", "python")
    expected = block_after(text, "It prints:", "")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "README.md (Python quick start)", "exec"), {})
    assert out.getvalue() == expected
    assert out.getvalue().startswith("3 -> 4 (scale up)")
