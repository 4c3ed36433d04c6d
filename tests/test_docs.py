"""README.md and docs/*.md: every relative link and image reaches a file (and a heading), and the README stays a README.

``.ci/run`` runs "the README's test command", so README.md must keep it in its Quick start.
"""

import re
import unicodedata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
TEST_COMMAND = "python -m pytest"  # the last line of .ci/run
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")  # [text](target) and ![alt](target)
FENCE = re.compile(r"^(```|~~~).*?^\1", re.S | re.M)


def prose(markdown: str) -> str:
    """``markdown`` without its fenced code blocks and inline code (a link there is not a link)."""
    return re.sub(r"`[^`\n]*`", "", FENCE.sub("", markdown))


def links(markdown: str) -> list[str]:
    """The targets of the links and images in ``markdown``, in order."""
    return LINK.findall(prose(markdown))


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens.

    ``slug("Relations (Task B)") == "relations-task-b"``.
    """
    text = re.sub(r"[`*_]|\[([^\]]*)\]\([^)]*\)", r"\1", heading).strip().lower()
    kept = "".join(c for c in text if c in " -_" or unicodedata.category(c)[0] in "LN")
    return kept.replace(" ", "-")


def anchors(markdown: str) -> set[str]:
    """The anchors of the headings of ``markdown`` (a repeated one also as ``-1``, ``-2``, as GitHub numbers them)."""
    found: set[str] = set()
    for line in FENCE.sub("", markdown).splitlines():
        if m := re.match(r"#{1,6}\s+(.*?)\s*#*\s*$", line):
            name, n = slug(m.group(1)), 1
            while name in found:
                name, n = f"{slug(m.group(1))}-{n}", n + 1
            found.add(name)
    return found


def broken(page: Path) -> list[str]:
    """The relative links of ``page`` that reach no file, or no heading of the page they name."""
    bad = []
    for target in links(page.read_text(encoding="utf-8")):
        if re.match(r"[a-z][a-z0-9+.-]*:", target, re.I):  # https:, mailto:: not ours to check
            continue
        path, _, anchor = target.partition("#")
        reached = (page.parent / path).resolve() if path else page
        if not reached.exists():
            bad.append(f"{target}: no such file")
        elif anchor and reached.suffix == ".md" and anchor not in anchors(reached.read_text(encoding="utf-8")):
            bad.append(f"{target}: no such heading")
    return bad


def test_links_and_anchors_are_read_as_github_does():
    text = "[a](docs/x.md#y) ![b](img.png) `[c](code.md)`\n```\n[d](fenced.md)\n```\n[e](https://x.org)"
    assert links(text) == ["docs/x.md#y", "img.png", "https://x.org"]
    assert slug("Relations (Task B)") == "relations-task-b"
    assert slug("Quality on the official Task A test set") == "quality-on-the-official-task-a-test-set"
    assert slug("What the web app adds to a prediction") == "what-the-web-app-adds-to-a-prediction"
    assert anchors("# A\n## A\n```\n# not a heading\n```\n### B: c") == {"a", "a-1", "b-c"}


def test_a_broken_link_is_found(tmp_path):
    (tmp_path / "there.md").write_text("# Here\n", encoding="utf-8")
    page = tmp_path / "page.md"
    page.write_text("[ok](there.md#here) [gone](missing.png) [wrong](there.md#nowhere) [self](#top)\n# Top\n",
                    encoding="utf-8")
    assert broken(page) == ["missing.png: no such file", "there.md#nowhere: no such heading"]


@pytest.mark.parametrize("page", PAGES, ids=[p.relative_to(ROOT).as_posix() for p in PAGES])
def test_every_relative_link_reaches_a_file(page):
    assert broken(page) == []


def test_docs_exist_and_the_readme_links_each():
    readme = links((ROOT / "README.md").read_text(encoding="utf-8"))
    docs = sorted(p.name for p in (ROOT / "docs").glob("*.md"))
    assert {"benchmarks.md", "security.md", "architecture.md"} <= set(docs)
    assert [d for d in docs if not any(t.partition("#")[0] == f"docs/{d}" for t in readme)] == []


def test_readme_keeps_the_ci_test_command_and_stays_short():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    quick_start = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    assert f"&& {TEST_COMMAND}\n" in quick_start
    assert (ROOT / ".ci" / "run").read_text(encoding="utf-8").rstrip().endswith(TEST_COMMAND)
    assert len(readme.splitlines()) <= 350
    assert readme.index("## First ten minutes") < readme.index("## The app")
