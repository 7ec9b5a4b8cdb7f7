"""Property-based fuzzing of the public entry points: only the documented InputError may escape, and every quote
still points at the source's own words."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cppcc_qa import answer, find_quotes, retrieve
from cppcc_qa.errors import InputError
from cppcc_qa.textnorm import squeeze

from conftest import RAW

TEXT = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.sampled_from(list("知情明政工作站青州市昌乐县 ？?！\n\t\x00🙂<script>&abcXYZ0123"
                                          "哪个最多比较第五部分")), max_size=80),
)
K = st.one_of(st.integers(-5, 150), st.just(5))
PLACE = st.one_of(st.none(), st.sampled_from(["青州市", "Qingzhou", "寿光市", "", "奎文区"]),
                  st.lists(st.sampled_from(["青州市", "昌乐县"])))
FUZZ = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@FUZZ
@given(q=TEXT, k=K, place=PLACE)
def test_retrieve_never_raises_anything_else(index, q, k, place):
    try:
        out = retrieve(q, k=k, place=place, index=index)
    except InputError as err:
        assert str(err) and "\n" not in str(err)
        return
    assert len(out) <= k
    for p in out:
        assert squeeze(RAW[p.start : p.end]) == squeeze(p.text)


@FUZZ
@given(q=TEXT)
def test_answer_and_quotes_never_raise_anything_else(index, config, q):
    try:
        a = answer(q, index=index, config=config)
        for c in a.citations:
            assert squeeze(RAW[c.start : c.end]) == squeeze(c.quote)
    except InputError:
        pass
    try:
        for quote in find_quotes(q, index=index):
            if quote.exact:
                assert squeeze(RAW[quote.start : quote.end]) == squeeze(q)
    except InputError:
        pass
