"""Tests for cxml.schema: canonical tickets and articles, and validation messages that name the culprit."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cxml.schema import (
    ARTICLE_FIELDS,
    TEXT_FIELDS,
    TICKET_FIELDS,
    TIMESTAMP_FIELDS,
    Field,
    ValidationError,
    as_articles,
    as_tickets,
    check_labels,
    check_texts,
    normalize_text,
)


@pytest.fixture
def raw() -> pd.DataFrame:
    """An export with the caller's own column names and index."""
    return pd.DataFrame(
        {
            "ticket_no": ["T-1", "T-2", "T-3"],
            "title": ["Paketti kadonnut", None, "Refund"],
            "description": ["Tilaus #100234 ei tullut", "Laskun eräpäivän siirto", np.nan],
            "category": ["deliveries", "invoices", "returns"],
            "extra": [1, 2, 3],
        },
        index=pd.Index(["a", "b", "c"], name="row"),
    )


# ---------------------------------------------------------------------------------------------------------------
# field tables


def test_field_tables():
    assert list(TICKET_FIELDS) == [
        "id", "subject", "body", "text", "channel", "created_at", "customer_id", "segment", "language", "url",
        "page_title", "error_code", "error_message", "reason", "priority", "team", "agent", "first_response_at",
        "resolved_at", "csat", "ces", "nps", "feedback", "resolving_article_id", "answer", "macro",
    ]  # fmt: skip
    assert list(ARTICLE_FIELDS) == ["id", "title", "body", "url", "language", "tags"]
    for spec in [*TICKET_FIELDS.values(), *ARTICLE_FIELDS.values()]:
        assert isinstance(spec, Field) and spec.dtype and spec.description
    assert set(TEXT_FIELDS) <= set(TICKET_FIELDS)
    assert set(TIMESTAMP_FIELDS) <= set(TICKET_FIELDS)
    assert all(TICKET_FIELDS[f].dtype == "datetime64" for f in TIMESTAMP_FIELDS)


def test_validation_error_is_a_value_error_with_details():
    with pytest.raises(ValueError) as info:
        as_tickets(["ok", 3])
    err = info.value
    assert isinstance(err, ValidationError)
    assert err.column == "text"
    assert err.rows == [1]


# ---------------------------------------------------------------------------------------------------------------
# input shapes


@pytest.mark.parametrize("data", ["Paketti ei tullut", b"bytes too"])
def test_bare_string_is_refused(data):
    with pytest.raises(ValidationError) as info:
        as_tickets(data)
    message = str(info.value)  # the one single-string check (cxml.checks) words it for every entry point
    assert "got a single string" in message and message.endswith("wrap it in a list: [text]")
    assert isinstance(info.value, TypeError)  # a wrong type altogether: both ValueError and TypeError


@pytest.mark.parametrize("data", [None, [], (), np.array([], dtype=object)])
def test_none_or_empty_is_refused(data):
    with pytest.raises(ValidationError, match="got None|empty"):
        as_tickets(data)


@pytest.mark.parametrize(
    "data, name", [(42, "int"), ({"a", "b"}, "set"), ((t for t in ["a"]), "generator"), (3.5, "float")]
)
def test_other_types_are_named(data, name):
    with pytest.raises(ValidationError, match=f"got {name}"):
        as_tickets(data)


def test_single_dict_and_2d_array_are_refused():
    with pytest.raises(ValidationError, match=r"single dict; wrap one record in a list"):
        as_tickets({"subject": "a", "body": "b"})
    with pytest.raises(ValidationError, match=r"1-D array.*shape \(2, 2\)"):
        as_tickets(np.array([["a", "b"], ["c", "d"]]))


def test_list_mixing_dicts_and_texts_is_refused():
    with pytest.raises(ValidationError, match=r"1 item is not a dict at row 1 \(index label 1\)"):
        as_tickets([{"text": "a"}, "b"])


def test_list_of_texts():
    out = as_tickets(["Missä paketti?", "Refund please"])
    assert out["text"].tolist() == ["Missä paketti?", "Refund please"]
    assert out["id"].tolist() == ["0", "1"]
    assert list(out.index) == [0, 1]


def test_series_keeps_its_index():
    s = pd.Series(["Missä paketti?", "Refund please"], index=[10, 20], name="whatever")
    out = as_tickets(s)
    assert list(out.index) == [10, 20]
    assert out["id"].tolist() == ["10", "20"]
    assert out["text"].tolist() == s.tolist()


def test_ndarray_and_tuple():
    assert as_tickets(np.array(["a", "b"]))["text"].tolist() == ["a", "b"]
    assert as_tickets(("a", "b"))["text"].tolist() == ["a", "b"]


def test_list_of_dicts():
    out = as_tickets(
        [
            {"subject": "Paketti", "body": "Ei tullut", "channel": "email"},
            {"subject": "Lasku", "channel": "chat", "priority": "high"},
        ]
    )
    assert out["text"].tolist() == ["Paketti\nEi tullut", "Lasku"]
    assert out["channel"].tolist() == ["email", "chat"]
    assert out["priority"].isna().tolist() == [True, False]


def test_empty_dataframe_gives_empty_frame():
    out = as_tickets(pd.DataFrame({"subject": pd.Series([], dtype=object)}))
    assert len(out) == 0
    assert {"id", "text"} <= set(out.columns)


def test_duplicated_column_names_are_refused():
    df = pd.DataFrame([["a", "b"]], columns=["text", "text"])
    with pytest.raises(ValidationError, match=r"duplicated column names \['text'\]"):
        as_tickets(df)


# ---------------------------------------------------------------------------------------------------------------
# column mapping


def test_mapping_with_list_of_text_columns(raw):
    out = as_tickets(raw, {"text": ["title", "description"], "reason": "category", "id": "ticket_no"})
    assert out["text"].tolist() == [
        "Paketti kadonnut\nTilaus #100234 ei tullut",
        "Laskun eräpäivän siirto",
        "Refund",
    ]
    assert out["reason"].tolist() == ["deliveries", "invoices", "returns"]
    assert out["id"].tolist() == ["T-1", "T-2", "T-3"]
    assert "extra" in out.columns and "title" in out.columns  # unmapped columns kept as they are
    assert "category" not in out.columns and "ticket_no" not in out.columns  # mapped columns renamed
    assert out.index.equals(raw.index)


def test_input_is_not_modified(raw):
    before = raw.copy()
    out = as_tickets(raw, {"text": ["title", "description"]})
    pd.testing.assert_frame_equal(raw, before)
    assert out is not raw


def test_mapping_subject_and_body(raw):
    out = as_tickets(raw, {"subject": "title", "body": "description"})
    assert out["subject"].isna().tolist() == [False, True, False]
    assert out["text"].tolist() == [
        "Paketti kadonnut\nTilaus #100234 ei tullut",
        "Laskun eräpäivän siirto",
        "Refund",
    ]


def test_mapping_single_text_column():
    df = pd.DataFrame({"message": ["hei", "moi"]})
    out = as_tickets(df, {"text": "message"})
    assert out["text"].tolist() == ["hei", "moi"]
    assert "message" not in out.columns


def test_mapping_from_a_canonical_column_copies_it():
    df = pd.DataFrame({"subject": ["S"], "body": ["B"], "team": ["orders"]})
    out = as_tickets(df, {"text": "subject", "reason": "team"})
    assert out["text"].tolist() == ["S"]
    assert out["subject"].tolist() == ["S"] and out["body"].tolist() == ["B"]
    assert out["reason"].tolist() == ["orders"] and out["team"].tolist() == ["orders"]
    assert as_tickets(df, {"text": ["body"]})["text"].tolist() == ["B"]


def test_default_text_prefers_subject_and_body():
    df = pd.DataFrame({"subject": ["S"], "body": ["B"], "text": [3]})
    assert as_tickets(df)["text"].tolist() == ["S\nB"]  # the stale text column is replaced, not validated
    assert as_tickets(pd.DataFrame({"body": ["B"]}))["text"].tolist() == ["B"]
    assert as_tickets(pd.DataFrame({"text": ["T"]}))["text"].tolist() == ["T"]


def test_missing_mapped_column_is_named_with_a_close_match(raw):
    with pytest.raises(ValidationError) as info:
        as_tickets(raw, {"text": ["title", "descripton"]})
    msg = str(info.value)
    assert "'descripton'" in msg
    assert "Did you mean 'description'?" in msg
    assert "Available columns: ['ticket_no', 'title', 'description', 'category', 'extra']" in msg


def test_unknown_canonical_field(raw):
    with pytest.raises(ValidationError, match=r"unknown ticket field 'reasons'\. Did you mean 'reason'\?"):
        as_tickets(raw, {"reasons": "category"})
    with pytest.raises(
        ValidationError, match=r"from canonical name to your column: \{'reason': 'category'\}"
    ):
        as_tickets(raw, {"category": "reason"})


def test_mapping_errors(raw):
    with pytest.raises(ValidationError, match=r"only free-text fields"):
        as_tickets(raw, {"reason": ["category", "extra"]})
    with pytest.raises(ValidationError, match=r"is empty"):
        as_tickets(raw, {"text": []})
    with pytest.raises(ValidationError, match=r"same column twice"):
        as_tickets(raw, {"text": ["title", "title"]})
    with pytest.raises(ValidationError, match=r"both 'reason' and 'team' to column 'category'"):
        as_tickets(raw, {"text": "title", "reason": "category", "team": "category"})
    with pytest.raises(ValidationError, match=r"must map canonical names"):
        as_tickets(raw, ["title"])  # type: ignore[arg-type]
    df = raw.assign(reason="x")
    with pytest.raises(ValidationError, match=r"already has a column 'reason'"):
        as_tickets(df, {"text": "title", "reason": "category"})


def test_no_text_column():
    df = pd.DataFrame({"title": ["a"], "description": ["b"]})
    with pytest.raises(ValidationError) as info:
        as_tickets(df)
    msg = str(info.value)
    assert "none of the columns 'text', 'subject' or 'body'" in msg
    assert "columns={'text': ['title', 'description']}" in msg
    assert "Available columns: ['title', 'description']" in msg


def test_require(raw):
    with pytest.raises(ValidationError) as info:
        as_tickets(raw, {"text": "title"}, require=("text", "reason"))
    msg = str(info.value)
    assert "required field 'reason' is missing" in msg and "columns={'reason': '<your column>'}" in msg
    assert "'category'" in msg  # available columns are listed
    out = as_tickets(
        raw, {"text": ["title", "description"], "reason": "category"}, require=("text", "reason")
    )
    assert "reason" in out.columns
    with pytest.raises(ValidationError, match=r"unknown ticket field 'resaon'\. Did you mean 'reason'"):
        as_tickets(raw, {"text": "title"}, require=("resaon",))


# ---------------------------------------------------------------------------------------------------------------
# values


@pytest.mark.parametrize("bad", [5, 3.5, {"a": 1}, ["x"], True])
def test_non_text_values_are_named(bad):
    df = pd.DataFrame(
        {"subject": ["ok", "ok", "ok", "ok"], "body": ["x", bad, None, bad]}, index=list("pqrs")
    )
    with pytest.raises(ValidationError) as info:
        as_tickets(df)
    msg = str(info.value)
    assert "column 'body' has 2 non-text values at rows 1, 3 (index labels 'q', 's')" in msg
    assert "Expected str" in msg
    assert info.value.rows == [1, 3]


def test_non_text_in_mapped_column_names_both_names():
    df = pd.DataFrame({"description": ["x", 7]})
    with pytest.raises(
        ValidationError, match=r"column 'description' \(mapped to 'text'\) has 1 non-text value at row 1"
    ):
        as_tickets(df, {"text": "description"})


def test_nan_counts_as_missing_not_as_non_text():
    df = pd.DataFrame({"subject": [np.nan, "S", None], "body": ["B", np.nan, "C"]})
    assert as_tickets(df)["text"].tolist() == ["B", "S", "C"]


def test_first_rows_are_limited_to_five():
    df = pd.DataFrame({"text": [1] * 8})
    with pytest.raises(ValidationError) as info:
        as_tickets(df)
    assert "8 non-text values at rows 0, 1, 2, 3, 4, ... (3 more) (index labels 0, 1, 2, 3, 4)" in str(
        info.value
    )


def test_bytes_are_decoded_or_named():
    out = as_tickets([b"caf\xc3\xa9", "tee"])
    assert out["text"].tolist() == ["café", "tee"]
    with pytest.raises(
        ValidationError, match=r"1 bytes value that is not valid UTF-8 at row 1 \(index label 'y'\)"
    ):
        as_tickets(pd.Series([b"ok", b"\xff\xfe"], index=["x", "y"]))


def test_empty_text_is_an_error_with_rows():
    df = pd.DataFrame(
        {"subject": ["a", "  ", None, ""], "body": ["b", None, "\n", None]}, index=[7, 8, 9, 10]
    )
    with pytest.raises(ValidationError) as info:
        as_tickets(df)
    msg = str(info.value)
    assert "3 tickets have empty text" in msg
    assert "rows 1, 2, 3 (index labels 8, 9, 10)" in msg
    assert "allow_empty_text=True" in msg


def test_allow_empty_text_marks_the_rows():
    df = pd.DataFrame({"subject": ["a", "  ", None], "body": ["b", None, None]})
    out = as_tickets(df, allow_empty_text=True)
    assert out["empty_text"].tolist() == [False, True, True]
    assert out["empty_text"].dtype == bool
    assert out["text"].tolist() == ["a\nb", "", ""]
    assert as_tickets(["x"], allow_empty_text=True)["empty_text"].tolist() == [False]


def test_ids():
    df = pd.DataFrame({"id": [1, 2, 1, 3, 2], "text": list("abcde")}, index=list("vwxyz"))
    with pytest.raises(ValidationError) as info:
        as_tickets(df)
    msg = str(info.value)
    assert (
        "column 'id' has 4 rows with duplicated ids at rows 0, 1, 2, 4 (index labels 'v', 'w', 'x', 'z')"
        in msg
    )
    assert "e.g. [1, 2]" in msg
    with pytest.raises(ValidationError, match=r"column 'id' has 1 missing value at row 1"):
        as_tickets(pd.DataFrame({"id": ["a", None], "text": ["x", "y"]}))
    with pytest.raises(ValidationError, match=r"index, used for ids, has duplicated labels"):
        as_tickets(pd.Series(["x", "y"], index=[1, 1]))
    assert as_tickets(pd.DataFrame({"id": [5, 6], "text": ["x", "y"]}))["id"].tolist() == [5, 6]


def test_timestamps_are_parsed():
    df = pd.DataFrame(
        {
            "text": ["a", "b"],
            "created_at": ["2025-03-12 10:15", "2025-03-13 08:00"],
            "resolved_at": ["12.3.2025 11:00", None],
            "first_response_at": pd.to_datetime(["2025-03-12", "2025-03-13"]),
        }
    )
    out = as_tickets(df)
    for col in TIMESTAMP_FIELDS:
        assert pd.api.types.is_datetime64_any_dtype(out[col])
    assert out.loc[0, "resolved_at"] == pd.Timestamp("2025-03-12 11:00")  # day first, as written in Finland
    assert pd.isna(out.loc[1, "resolved_at"])


def test_bad_timestamps_are_named():
    df = pd.DataFrame({"text": list("abcd"), "created_at": ["2025-03-12", "eilen", "2025-03-14", "huomenna"]})
    with pytest.raises(ValidationError) as info:
        as_tickets(df)
    msg = str(info.value)
    assert "column 'created_at' should hold timestamps" in msg
    assert "2 values could not be parsed at rows 1, 3 (index labels 1, 3)" in msg
    assert "'eilen'" in msg
    assert "pd.to_datetime" in msg
    assert info.value.rows == [1, 3]


# ---------------------------------------------------------------------------------------------------------------
# personal data


def test_pii_is_scrubbed_by_default():
    df = pd.DataFrame(
        {
            "subject": ["Soita 040 123 4567"],
            "body": ["mail matti@example.fi, tilaus #100234"],
            "answer": ["Hyvitys tilille FI21 1234 5600 0007 85"],
            "feedback": ["Kiitos! t. 131052-308T"],
            "error_message": ["card 4111 1111 1111 1111 declined"],
            "page_title": ["Checkout"],
            "agent": ["liisa@shop.fi"],  # not a free-text field: left to the caller
        }
    )
    out = as_tickets(df)
    assert out.loc[0, "subject"] == "Soita [PHONE]"
    assert out.loc[0, "body"] == "mail [EMAIL] , tilaus #100234"
    assert out.loc[0, "text"] == "Soita [PHONE]\nmail [EMAIL] , tilaus #100234"
    assert out.loc[0, "answer"] == "Hyvitys tilille [IBAN]"
    assert out.loc[0, "feedback"] == "Kiitos! t. [HETU]"
    assert out.loc[0, "error_message"] == "card [CARD] declined"
    assert out.loc[0, "agent"] == "liisa@shop.fi"
    assert df.loc[0, "subject"] == "Soita 040 123 4567"  # the caller's frame is untouched


def test_joined_source_columns_are_scrubbed_too():
    df = pd.DataFrame({"title": ["matti@example.fi"], "description": ["040 123 4567"]})
    out = as_tickets(df, {"text": ["title", "description"]})
    assert out.loc[0, "title"] == "[EMAIL]"
    assert out.loc[0, "description"] == "[PHONE]"
    assert out.loc[0, "text"] == "[EMAIL]\n[PHONE]"


def test_scrubbing_can_be_turned_off():
    out = as_tickets(["mail matti@example.fi"], scrub_pii=False)
    assert out.loc[0, "text"] == "mail matti@example.fi"


# ---------------------------------------------------------------------------------------------------------------
# articles


def test_as_articles():
    df = pd.DataFrame(
        {
            "article_id": ["kb-1", "kb-2", "kb-3"],
            "title": ["Palautukset", "Toimitukset", "Maksut"],
            "content": ["Palauta 14 päivässä.", None, "Kortti hylätty?"],
            "tags": ["returns, refunds", ["delivery", " posti "], None],
            "views": [10, 20, 30],
        },
        index=[3, 4, 5],
    )
    out = as_articles(df, {"id": "article_id", "body": "content"})
    assert out["id"].tolist() == ["kb-1", "kb-2", "kb-3"]
    assert out["body"].tolist() == ["Palauta 14 päivässä.", "", "Kortti hylätty?"]
    assert out["tags"].tolist() == [["returns", "refunds"], ["delivery", "posti"], []]
    assert "views" in out.columns
    assert list(out.index) == [3, 4, 5]


def test_as_articles_list_of_dicts_and_joined_body():
    out = as_articles(
        [
            {"id": 1, "title": "A", "summary": "s", "text": "t", "tags": {"b", "a"}},
            {"id": 2, "title": "B", "summary": None, "text": "u", "tags": "x;y|z"},
        ],
        {"body": ["summary", "text"]},
    )
    assert out["body"].tolist() == ["s\nt", "u"]
    assert out["tags"].tolist() == [["a", "b"], ["x", "y", "z"]]


def test_as_articles_errors():
    with pytest.raises(ValidationError, match=r"required field 'body' is missing"):
        as_articles([{"id": 1, "title": "A"}])
    with pytest.raises(ValidationError, match=r"required field 'id' is missing"):
        as_articles([{"title": "A", "body": "b"}])
    with pytest.raises(ValidationError, match=r"1 article has an empty title at row 1 \(index label 1\)"):
        as_articles([{"id": 1, "title": "A", "body": "b"}, {"id": 2, "title": " ", "body": "b"}])
    with pytest.raises(ValidationError, match=r"duplicated ids"):
        as_articles([{"id": 1, "title": "A", "body": "b"}, {"id": 1, "title": "B", "body": "c"}])
    with pytest.raises(ValidationError, match=r"column 'title' has 1 non-text value at row 0"):
        as_articles([{"id": 1, "title": 5, "body": "b"}])
    with pytest.raises(ValidationError, match=r"tags.*expected a list of strings"):
        as_articles([{"id": 1, "title": "A", "body": "b", "tags": 3.5}])
    with pytest.raises(ValidationError, match=r"non-text tag"):
        as_articles([{"id": 1, "title": "A", "body": "b", "tags": ["ok", {"x": 1}]}])
    with pytest.raises(ValidationError, match=r"is not a dict"):
        as_articles(["just a text"])
    with pytest.raises(ValidationError, match=r"got a Series"):
        as_articles(pd.Series(["x"]))
    with pytest.raises(ValidationError, match=r"single string"):
        as_articles("x")


def test_as_articles_scrub_is_opt_in():
    rows = [{"id": 1, "title": "Yhteys", "body": "Soita 09 1234 567"}]
    assert as_articles(rows).loc[0, "body"] == "Soita 09 1234 567"
    assert as_articles(rows, scrub_pii=True).loc[0, "body"] == "Soita [PHONE]"


# ---------------------------------------------------------------------------------------------------------------
# labels and texts


def test_check_labels():
    y = pd.Series(["orders", "returns", "orders", "returns"], index=list("abcd"))
    out = check_labels(y)
    assert out.tolist() == y.tolist()
    assert out.index.equals(y.index)
    assert out.name == "reason"
    assert check_labels([1, 2, 1, 2], name="priority").tolist() == ["1", "2", "1", "2"]
    assert check_labels(np.array([1.0, 2.0, 1.0, 2.0])).tolist() == ["1", "2", "1", "2"]
    assert check_labels(["a", "b"], min_per_class=1).tolist() == ["a", "b"]


def test_check_labels_missing():
    y = pd.Series(["a", None, "b", np.nan, "  ", "a", "b"], index=[10, 11, 12, 13, 14, 15, 16])
    with pytest.raises(ValidationError) as info:
        check_labels(y)
    msg = str(info.value)
    assert "'reason' has 3 missing or empty labels at rows 1, 3, 4 (index labels 11, 13, 14)" in msg
    assert "Drop those tickets" in msg


def test_check_labels_rare_and_single_class():
    with pytest.raises(ValidationError) as info:
        check_labels(["a", "a", "a", "b", "c"], name="team")
    msg = str(info.value)
    assert "2 classes of 'team' have fewer than min_per_class=2 examples: 'b' (1), 'c' (1)" in msg
    with pytest.raises(ValidationError, match=r"single class 'a' \(3 tickets\)"):
        check_labels(["a", "a", "a"])
    with pytest.raises(ValidationError, match=r"'b' \(2\)"):
        check_labels(["a"] * 3 + ["b"] * 2, min_per_class=3)


@pytest.mark.parametrize(
    "y, pattern",
    [
        ("orders", "single string"),
        (None, "got None"),
        ([], "empty"),
        (42, "got int"),
        (np.array([["a"], ["b"]]), "1-D"),
        (pd.DataFrame({"a": ["x"], "b": ["y"]}), "2 columns"),
    ],
)
def test_check_labels_bad_input(y, pattern):
    with pytest.raises(ValidationError, match=pattern):
        check_labels(y)
    with pytest.raises(ValueError, match="min_per_class"):
        check_labels(["a", "b"], min_per_class=0)


def test_check_texts():
    assert check_texts(["a", "b"]) == ["a", "b"]
    assert check_texts(np.array(["a", "b"])) == ["a", "b"]
    assert check_texts(pd.Series(["a"], index=[9])) == ["a"]
    assert check_texts(t for t in ["a", ""]) == ["a", ""]
    assert check_texts(pd.DataFrame({"text": ["a"], "x": [1]})) == ["a"]
    assert check_texts([]) == []
    with pytest.raises(ValidationError, match=r"X expects a list of texts, got a single string; wrap it"):
        check_texts("abc")
    with pytest.raises(ValidationError) as info:
        check_texts(pd.Series(["a", None, 3], index=["x", "y", "z"]), name="texts")
    assert "texts has 2 values that are not a string at rows 1, 2 (index labels 'y', 'z')" in str(info.value)
    with pytest.raises(ValidationError, match=r"without a 'text' column"):
        check_texts(pd.DataFrame({"body": ["a"]}))
    with pytest.raises(ValidationError, match=r"got int"):
        check_texts(5)
    with pytest.raises(ValidationError, match=r"got None"):
        check_texts(None)


# ---------------------------------------------------------------------------------------------------------------
# properties: valid output or ValidationError, never another exception

cell = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        ["", "   ", "Paketti ei tullut", "040 123 4567", "matti@example.fi", "4111 1111 1111 1111"]
    ),
    st.none(),
    st.just(np.nan),
    st.integers(-5, 5),
    st.floats(allow_nan=True, allow_infinity=True),
    st.binary(max_size=6),
)
PROP = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def ticket_frames(draw):
    n = draw(st.integers(1, 6))
    columns = draw(st.sets(st.sampled_from(["subject", "body", "text", "feedback", "channel"]), min_size=1))
    data = {c: draw(st.lists(cell, min_size=n, max_size=n)) for c in sorted(columns)}
    index = draw(
        st.one_of(
            st.just(pd.RangeIndex(n)),
            st.lists(st.integers(0, 20), min_size=n, max_size=n).map(pd.Index),
            st.lists(st.text(max_size=3), min_size=n, max_size=n).map(pd.Index),
        )
    )
    return pd.DataFrame(data, index=index)


@PROP
@given(df=ticket_frames(), allow_empty=st.booleans(), scrub_pii=st.booleans())
def test_as_tickets_validates_or_raises_validation_error(df, allow_empty, scrub_pii):
    try:
        out = as_tickets(df, allow_empty_text=allow_empty, scrub_pii=scrub_pii)
    except ValidationError as err:
        assert str(err)
        return
    assert out.index.equals(df.index)
    assert out["id"].is_unique
    texts = out["text"].tolist()
    assert all(isinstance(t, str) for t in texts)
    if allow_empty:
        assert out["empty_text"].tolist() == [not t.strip() for t in texts]
    else:
        assert all(t.strip() for t in texts)


@PROP
@given(
    df=ticket_frames(), mapping=st.sampled_from([{"text": ["subject", "body"]}, {"text": "feedback"}, None])
)
def test_as_tickets_with_mapping_validates_or_raises(df, mapping):
    try:
        out = as_tickets(df, mapping)
    except ValidationError:
        return
    assert all(isinstance(t, str) and t.strip() for t in out["text"])


@PROP
@given(
    st.lists(
        st.one_of(st.sampled_from(["a", "b", "c"]), st.none(), st.integers(0, 2), st.just("")), max_size=8
    )
)
def test_check_labels_validates_or_raises(y):
    try:
        out = check_labels(y)
    except ValidationError:
        return
    assert len(out) == len(y)
    assert all(isinstance(v, str) and v for v in out)
    assert out.value_counts().min() >= 2


@PROP
@given(st.lists(st.one_of(st.text(max_size=10), st.none(), st.integers(), st.binary(max_size=3)), max_size=8))
def test_check_texts_validates_or_raises(values):
    try:
        out = check_texts(values)
    except ValidationError as err:
        assert re.search(r"at rows? \d", str(err))
        return
    assert out == [normalize_text(v) for v in values]  # the one form every text is read in


def test_text_is_optional_when_not_required():
    import pandas as pd

    from cxml.schema import as_tickets

    df = pd.DataFrame({"id": ["a", "b"], "created_at": ["2026-01-05 10:00", "2026-01-06 11:00"], "channel": ["email", "chat"]})
    out = as_tickets(df, require=("created_at",))
    assert out["text"].tolist() == ["", ""]
    with pytest.raises(ValidationError, match="no text to read"):
        as_tickets(df)


# ---------------------------------------------------------------------------------------------------------------
# issue 14: text normalised once, labels validated


def test_nfc_and_nfd_tickets_are_the_same_ticket():
    import unicodedata

    text = "Hei,\tpäivää!  Tilaus\u00a0ei ole tullut.\r\n\r\n\r\nMitä   nyt? \u200b"
    nfd = unicodedata.normalize("NFD", text)
    assert nfd != text
    a = as_tickets([text])["text"].tolist()
    b = as_tickets([nfd])["text"].tolist()
    assert a == b == ["Hei, päivää! Tilaus ei ole tullut.\n\nMitä nyt?"]
    assert check_texts([nfd]) == a
    assert as_tickets(pd.DataFrame({"subject": [nfd], "body": ["  x  "]}))["text"].tolist() == [a[0] + "\nx"]


@given(st.text(max_size=40))
@PROP
def test_normalize_text_is_idempotent_and_nfd_blind(text):
    import unicodedata

    once = normalize_text(text)
    assert normalize_text(once) == once
    assert normalize_text(unicodedata.normalize("NFD", text)) == normalize_text(unicodedata.normalize("NFC", text))


def test_nan_label_is_never_a_class():
    for missing in (np.nan, None, "nan", "NaN", " <NA> ", "None"):
        with pytest.raises(ValidationError, match=r"missing or empty label at row 2"):
            check_labels(["a", "b", missing, "a", "b"])


def test_labels_are_stripped_with_a_warning_naming_the_rows():
    with pytest.warns(UserWarning, match=r"1 label had surrounding spaces.*row 1 .*'refund '"):
        out = check_labels(["refund", "refund ", "orders", "orders"])
    assert out.tolist() == ["refund", "refund", "orders", "orders"]


def test_mixed_label_types_are_refused_naming_the_rows():
    with pytest.raises(ValidationError, match=r"mixes label types.*row 2 .*e\.g\. 1 of type int") as info:
        check_labels(["refund", "orders", 1, "refund", "orders"])
    assert info.value.rows == [2]


def test_ticket_label_columns_are_cleaned_in_the_one_ticket_path():
    df = pd.DataFrame({"text": ["a", "b", "c", "d"], "reason": ["refund", "refund ", "nan", None]})
    assert as_tickets(df)["reason"].tolist() == ["refund", "refund", None, None]
    mixed = pd.DataFrame({"text": ["a", "b", "c"], "reason": ["refund", 5, "orders"]})
    with pytest.raises(ValidationError, match=r"'reason' mixes label types.*row 1"):
        as_tickets(mixed)


# --------------------------------------------------------------------------- a few plain records (the service's)
def _records_frame(records: list[dict]) -> pd.DataFrame:
    """Records of one set of fields as the service hands them over: object columns, object column names."""
    keys = list(records[0])
    return pd.DataFrame([[r[k] for k in keys] for r in records], columns=pd.Index(keys, dtype=object), dtype=object)


def _plain_records() -> list[list[dict]]:
    import cxml

    t = cxml.make_webshop(n_tickets=80, seed=21).tickets
    out = []
    for i, row in enumerate(t.itertuples()):
        r = {"subject": row.subject, "body": row.body, "language": row.language, "channel": row.channel,
             "error_code": "CARD_DECLINED" if i % 3 == 0 else " ", "error_message": f"Payment {i} failed "}
        keys = [("subject", "body"), ("body",), ("subject", "body", "language"), ("body", "subject", "channel"),
                ("subject", "body", "error_code"), ("subject", "body", "error_message", "language")][i % 6]
        if all(isinstance(r[k], str) for k in keys):
            out.append([{k: r[k] for k in keys}])
    odd = [{"subject": "Pa\u0308iva\u0308  tilaus\r\n", "body": "Soita 040 123 4567 tai mail matti@example.fi"},
           {"subject": "", "body": " \t "}, {"subject": "Refund", "body": "Order #100234\n\n\n\nnot here"}]
    return out + [odd, [{"body": "x"}, {"body": "y", }], [{"subject": "a", "body": "b"}] * 16]


def test_a_few_plain_records_make_the_batch_the_general_path_makes():
    """The lean path for a service's records gives what as_tickets gives: texts, flags, the frame to the dtype."""
    from cxml.schema import ticket_batch

    for records in _plain_records():
        X = _records_frame(records)
        lean, general = ticket_batch(X), ticket_batch(X, columns={})  # columns={}: as_tickets, same meaning
        assert lean.texts == general.texts
        np.testing.assert_array_equal(lean.empty, general.empty)
        assert lean.index.equals(general.index)
        pd.testing.assert_frame_equal(lean.frame, general.frame, check_exact=True, check_column_type=True,
                                      check_index_type=True)
        assert list(lean.frame.columns) == list(general.frame.columns)
        unscrubbed = ticket_batch(X, scrub_pii=False)
        assert unscrubbed.texts == ticket_batch(X, columns={}, scrub_pii=False).texts


def test_records_the_lean_path_does_not_model_take_the_general_one():
    from cxml import schema

    plain = [{"subject": "Card declined", "body": "Twice"}]
    assert schema._few_plain_tickets(_records_frame(plain), True) is not None
    for records in ([{"subject": "a", "body": None}], [{"subject": "a", "reason": "payments"}],
                    [{"subject": "a", "created_at": "2025-01-02"}], [{"text": "a"}], [{"language": "fi"}],
                    [{"subject": "a", "body": b"bytes"}], [plain[0]] * (schema.FEW_TICKETS + 1)):
        assert schema._few_plain_tickets(_records_frame(records), True) is None
    with pytest.raises(ValidationError, match="non-text"):  # and is validated there, naming the column
        schema.ticket_batch(_records_frame([{"subject": "a", "body": 3}]))


def test_ticket_records_are_read_as_their_dataframe():
    """A list of dicts (what JSON brings) is the DataFrame records_frame makes of it: the lean path for a few
    plain records, the general one otherwise; either way the batch the DataFrame would give."""
    from cxml.schema import records_frame, ticket_batch

    for records in _plain_records() + [[{"subject": "a", "body": "b"}, {"subject": "c"}],
                                        [{"body": "x", "created_at": "2025-01-02"}]]:
        got, want = ticket_batch(records), ticket_batch(records_frame(records), columns={})
        assert got.texts == want.texts
        np.testing.assert_array_equal(got.empty, want.empty)
        pd.testing.assert_frame_equal(got.frame, want.frame, check_exact=True, check_column_type=True)
        assert got.column_names == want.column_names == list(want.frame.columns)
        for name in [*want.frame.columns, "no_such_column"]:
            assert got.column(name) == want.column(name), name
    ragged = records_frame([{"subject": "a", "body": "b"}, {"subject": "c", "language": "fi"}])
    assert list(ragged.columns) == ["subject", "body", "language"]
    assert ragged["body"].tolist() == ["b", None] and ragged["language"].tolist() == [None, "fi"]
    with pytest.raises(TypeError, match="not str"):  # records mixed with texts are still refused
        ticket_batch([{"subject": "a"}, "b"])


def test_a_lean_batch_answers_columns_without_building_its_frame():
    from cxml.schema import ticket_batch

    batch = ticket_batch([{"subject": "Kortti", "body": "Maksu ei mene läpi", "language": "fi",
                           "error_code": "CARD_DECLINED"}])
    assert batch.column("language") == ["fi"] and batch.column("has_error") == ["yes"]
    assert batch._built is None  # the frame is built on first use only
    assert batch.frame["has_error"].tolist() == ["yes"]
    batch.frame = batch.frame.assign(language="en")  # a frame set from outside is what columns read from then
    assert batch.column("language") == ["en"]
    import dataclasses

    copy = dataclasses.replace(batch, texts=["other"])
    assert copy.texts == ["other"] and copy.column("language") == ["en"]
