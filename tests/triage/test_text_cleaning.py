"""Text cleaning before embedding: what the customer wrote stays, templates, quotes, signatures and code go."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from cxml import encoders
from cxml.schema import ticket_batch
from cxml.triage.features import CHUNK_WORDS, CLEAN_MIN_WORDS, embed_cleaned
from cxml.triage.text_cleaning import chunks, clean_for_embedding

GITHUB_STYLE = """### Describe the bug
<!-- A clear and concise description of what the bug is. -->
The **checkout** page fails with ERR-4012 when I pay with [Klarna](https://example.com/klarna).

### Stack trace
```
Traceback (most recent call last):
  File "shop/pay.py", line 12, in charge
ValueError: PAY-503 gateway timeout
```
    at com.shop.payments.Gateway.charge(Gateway.java:88)
com.shop.payments.GatewayException: declined

| browser | version |
|---|---|
| Firefox | 128 |

Best regards,
Jane Doe
Head of Something

On Mon, 3 Mar 2025 at 10:00, Support <support@example.com> wrote:
> Thank you for contacting us, please describe the problem.
"""


def test_long_ticket_keeps_the_customers_words_and_codes():
    out = clean_for_embedding(GITHUB_STYLE)
    assert out.startswith("Describe the bug The checkout page fails with ERR-4012 when I pay with Klarna.")
    for code in ("ERR-4012", "PAY-503", "GatewayException", "Firefox 128"):
        assert code in out
    for gone in ("<!--", "```", "Traceback", "Gateway.java", "https://", "Best regards", "Jane Doe",
                 "wrote:", "Thank you for contacting us", "|", "**", "###"):
        assert gone not in out


def test_finnish_signature_and_quote_dropped_first_line_never():
    text = "Kortti ei toimi\nMaksu hylättiin kolme kertaa.\n\nTerveisin\nMatti\n\nMatti kirjoitti:\n> vanha"
    assert clean_for_embedding(text) == "Kortti ei toimi Maksu hylättiin kolme kertaa."
    assert clean_for_embedding("Thanks, my parcel is late.\nCheers,\nAnna") == "Thanks, my parcel is late."
    # a ticket that is nothing but a closing is kept as written rather than emptied
    assert clean_for_embedding("Thanks") == "Thanks"


@given(st.text(max_size=300))
def test_cleaning_never_empties_a_text_and_returns_one_line(text):
    out = clean_for_embedding(text)
    if text.strip():
        assert out.strip()
        assert "\n" not in out


@given(st.lists(st.sampled_from(["word", "end.", "next?", "x"]), max_size=400), st.integers(5, 60))
def test_chunks_cover_every_word_once_and_respect_the_window(words, window):
    text = " ".join(words)
    parts = chunks(text, window)
    assert " ".join(parts).split() == text.split()
    assert all(len(p.split()) <= window for p in parts)


def test_long_tickets_are_embedded_cleaned_and_pooled_short_ones_shared():
    enc = encoders.load("hash")
    long_body = " ".join(["The invoice total is wrong again."] * 60)  # 360 words: 3 chunks
    texts = ["Where is my parcel?", long_body + "\n\nBest regards,\nJane", "Refund please"]
    batch = ticket_batch(texts)
    V = embed_cleaned(batch, enc)
    assert V.shape == (3, enc.dim)
    np.testing.assert_allclose(np.linalg.norm(V, axis=1), 1.0, rtol=1e-5)
    raw = batch.embed(enc)
    np.testing.assert_array_equal(V[[0, 2]], raw[[0, 2]])  # short tickets: the batch's own vectors
    assert len(long_body.split()) > max(CLEAN_MIN_WORDS, CHUNK_WORDS)
    pieces = chunks(clean_for_embedding(texts[1]), CHUNK_WORDS)
    expected = enc.encode(pieces).mean(axis=0)
    np.testing.assert_allclose(V[1], expected / np.linalg.norm(expected), rtol=1e-5, atol=1e-6)
    assert embed_cleaned(batch, enc) is V  # memoised on the batch


def test_classifier_embeds_long_tickets_cleaned_and_keeps_that_when_loaded(split, tmp_path):
    import cxml
    from cxml.triage import TicketClassifier

    train, test = split
    noisy = test.copy()
    quote = "\n\nOn Mon, 3 Mar 2025 Support wrote:\n" + "\n".join(["> " + " ".join(["thanks for waiting"] * 8)] * 12)
    noisy["body"] = noisy["body"].fillna("") + "\n\nBest regards,\nJane" + quote
    assert min(len(t.split()) for t in noisy["body"]) > CLEAN_MIN_WORDS
    clean = TicketClassifier(encoder="hash", features="embedding").fit(train, train["reason"])
    raw = TicketClassifier(encoder="hash", features="embedding", clean_text=False).fit(train, train["reason"])
    acc_clean = (clean.predict(noisy) == test["reason"]).mean()
    acc_raw = (raw.predict(noisy) == test["reason"]).mean()
    assert acc_clean >= (clean.predict(test) == test["reason"]).mean() - 0.05  # the quote no longer matters
    assert acc_clean > acc_raw
    loaded = cxml.load(clean.save(tmp_path / "clf"))
    assert loaded.featurizer_.clean_text is True
    np.testing.assert_allclose(loaded.predict_proba(noisy), clean.predict_proba(noisy), atol=1e-6)
