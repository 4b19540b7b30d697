"""Each chapter says when it was last checked against its sources, in its first paragraph."""

import datetime
import re

import pytest

from tests import REPO

CHAPTERS = sorted((REPO / "docs").glob("[0-9][0-9]-*.md"))
LINE = re.compile(r"^\*Last verified: (\d{1,2} [A-Z][a-z]+ \d{4})\.\*$", re.M)


def test_every_numbered_chapter_is_checked():
    assert len(CHAPTERS) >= 18


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_the_chapter_opens_with_its_last_verified_date(chapter):
    text = chapter.read_text(encoding="utf-8")
    title, rest = text.split("\n", 1)
    assert title.startswith("# ")
    found = LINE.search(rest.lstrip("\n").split("\n\n", 1)[0])
    assert found, f"{chapter.name}: no '*Last verified: D Month YYYY.*' line under the title"
    day = datetime.datetime.strptime(found.group(1), "%d %B %Y").date()
    assert day <= datetime.date.today(), f"{chapter.name}: last verified in the future ({day})"
