"""Property-based fuzzing of the public entry points: only the documented InputError may escape."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cppcc_qa.answer import answer
from cppcc_qa.errors import InputError
from cppcc_qa.quotes import find_quotes
from cppcc_qa.textspan import squeeze

from conftest import CORPUS

RAW = (CORPUS / "2025-weifang-cppcc-highlights.txt").read_text(encoding="utf-8")
TEXT = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.sampled_from(list("知情明政工作站青州市昌乐县 ？?！\n\t\x00🙂<script>&abcXYZ0123")), max_size=80),
)
K = st.one_of(st.integers(-5, 150), st.just(5))
DISTRICT = st.one_of(st.none(), st.sampled_from(["青州市", "Qingzhou", "寿光市", "", "奎文区"]), st.lists(st.sampled_from(["青州市", "昌乐县"])))


@pytest.fixture(scope="module")
def r(retriever):
    return retriever


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(q=TEXT, k=K, d=DISTRICT)
def test_retrieve_never_raises_anything_else(r, q, k, d):
    try:
        out = r.search(q, k=k, district=d)
    except InputError as err:
        assert str(err) and "\n" not in str(err)
        return
    assert len(out) <= k
    for p in out:
        assert squeeze(RAW[p.start : p.end]) == squeeze(p.text)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(q=TEXT)
def test_answer_and_quotes_never_raise_anything_else(r, q, built_index):
    kw = {"index": built_index, "corpus": CORPUS}
    try:
        a = answer(q, **kw)
        for c in a.citations:
            assert squeeze(RAW[c.start : c.end]) == squeeze(c.quote)
    except InputError:
        pass
    try:
        for quote in find_quotes(q, **kw):
            if quote.exact:
                assert squeeze(RAW[quote.start : quote.end]) == squeeze(q)
    except InputError:
        pass
