"""HTML to text, quoted replies and signatures (cxml.connectors._html)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cxml.connectors._html import clean_message, html_to_text, message_text


def test_paragraphs_breaks_lists_and_entities():
    html = "<div>Hei,<br>tilaus&nbsp;#100 &amp; lasku</div><ul><li>yksi</li><li>kaksi</li></ul><p>Kiitos</p>"
    assert html_to_text(html) == "Hei,\ntilaus #100 & lasku\n- yksi\n- kaksi\nKiitos"


def test_scripts_styles_and_quoted_history_are_dropped():
    html = ("<style>p{color:red}</style><p>New question</p><script>alert(1)</script>"
            "<div class='gmail_quote'>On Mon wrote:<blockquote>old text</blockquote></div>"
            "<div id='divRplyFwdMsg'>From: us</div>")
    assert html_to_text(html) == "New question"
    assert "old text" in html_to_text(html, drop_quotes=False)


@pytest.mark.parametrize("broken", [
    "<p>Unclosed <b>bold <i>italic",
    "<div>stray end</span></div></p>",
    "<p>attr <a href='x>link</a></p>",
    "<<p>>double</p>",
])
def test_broken_html_never_raises_and_keeps_the_words(broken):
    text = html_to_text(broken)
    assert isinstance(text, str)
    assert "<p>" not in text and "</" not in text


def test_plain_text_passes_through():
    assert html_to_text("a < b and c > d") == "a < b and c > d"


def test_quoted_reply_and_signatures_are_cut():
    text = ("Where is my parcel?\nOrder 100234.\n\nBest regards,\nSam\n\n"
            "On Mon, 3 Jun 2024 at 9:00, Support <s@example.com> wrote:\n> We shipped it")
    assert clean_message(text) == "Where is my parcel?\nOrder 100234."
    fi = "Lasku on väärin.\n\nYstävällisin terveisin,\nMaija\n\nti 4.6.2024 klo 9.00 Tuki kirjoitti:\n> vanha"
    assert clean_message(fi) == "Lasku on väärin."
    assert clean_message("Help please\n-- \nJohn Doe\nCEO") == "Help please"
    assert clean_message("Can't log in\nSent from my iPhone") == "Can't log in"
    outlook = "Refund?\nFrom: Shop <s@example.com>\nSent: Monday\nSubject: Order"
    assert clean_message(outlook) == "Refund?"


def test_quoted_lines_inside_the_message_are_dropped():
    assert clean_message("I wrote:\n> old line\nnew line") == "I wrote:\nnew line"


def test_a_message_that_is_only_a_closing_is_kept():
    assert clean_message("Thanks,") == "Thanks,"


def test_message_text_runs_both():
    assert message_text("<p>Hi</p><p>Regards,<br>Bo</p>") == "Hi"
    assert message_text(None) == ""


@given(st.text(max_size=300))
def test_any_text_gives_text(value):
    out = message_text(value)
    assert isinstance(out, str)
    assert html_to_text(value) == html_to_text(value)  # deterministic
