"""Optional generative answers through an OpenAI-compatible chat endpoint (off unless configured).

Configure with $CPPCC_QA_LLM_URL (e.g. http://127.0.0.1:11434/v1 for Ollama) and $CPPCC_QA_LLM_MODEL;
optional $CPPCC_QA_LLM_API_KEY and $CPPCC_QA_LLM_TIMEOUT (seconds, default 30). The model sees only the
numbered passages; every sentence it writes must cite them, and every quoted phrase must be in the cited
passages, or that sentence is dropped. On any failure the extractive answer is returned, saying so.
"""

from __future__ import annotations

import os
import re
from dataclasses import replace

from . import config
from .textspan import repair, squeeze

_SENTENCE = re.compile(r"[^。！？!?\n]+[。！？!?]*(?:\[\d+\])*")
_MARK = re.compile(r"\[(\d+)\]")
_QUOTED = re.compile(r"[“「\"]([^”」\"]{2,})[”」\"]")


def configured() -> bool:
    return bool(os.environ.get(config.ENV_LLM_URL) and os.environ.get(config.ENV_LLM_MODEL))


def _prompt(question: str, passages) -> list[dict]:
    numbered = "\n\n".join(f"[{i}] {p.district}《{p.title}》\n{p.text}" for i, p in enumerate(passages, 1))
    system = ("你是政协工作报告问答助手。只根据给出的编号段落回答，不要使用其他知识。每句话末尾用 [编号] 标注出处；"
              "引用原文时用“”并逐字照抄。段落中没有答案时回答：报告中没有相关内容。")
    return [{"role": "system", "content": system},
            {"role": "user", "content": f"段落：\n{numbered}\n\n问题：{question}"}]


def verify(text: str, passages) -> tuple[list[str], int]:
    """Sentences whose markers point to given passages and whose quotes exist there; and how many were dropped."""
    kept, dropped = [], 0
    for sentence in (s.strip() for s in _SENTENCE.findall(text)):
        if not sentence:
            continue
        marks = [int(m) for m in _MARK.findall(sentence)]
        ok = bool(marks) and all(1 <= m <= len(passages) for m in marks)
        if ok:
            cited = "".join(squeeze(passages[m - 1].text) for m in marks)
            ok = all(squeeze(q) in cited for q in _QUOTED.findall(sentence))
        if ok:
            kept.append(sentence)
        else:
            dropped += 1
    return kept, dropped


def generate(extractive, retriever):
    """Ask the configured endpoint; return a checked generative answer, or the extractive one with a note."""
    import httpx

    from .answer import Citation

    passages = extractive.passages
    url = os.environ[config.ENV_LLM_URL].rstrip("/") + "/chat/completions"
    headers = {"Authorization": f"Bearer {os.environ[config.ENV_LLM_KEY]}"} if os.environ.get(config.ENV_LLM_KEY) else {}
    timeout = float(os.environ.get(config.ENV_LLM_TIMEOUT, "30"))
    try:
        resp = httpx.post(url, headers=headers, timeout=timeout, json={
            "model": os.environ[config.ENV_LLM_MODEL], "temperature": 0,
            "messages": _prompt(extractive.asked or extractive.question, passages)})
        resp.raise_for_status()
        text = resp.json()["choices"][0]["message"]["content"]
    except (httpx.HTTPError, ValueError, KeyError, IndexError, TypeError) as err:
        why = "timed out" if isinstance(err, httpx.TimeoutException) else f"failed ({type(err).__name__})"
        return replace(extractive, mode="extractive-fallback",
                       note=f"LLM {why}; showing the extractive answer / 生成模型不可用，显示原文摘录答案")
    kept, dropped = verify(text or "", passages)
    if not kept:
        return replace(extractive, mode="extractive-fallback",
                       note="LLM answer had no verifiable citation; showing the extractive answer")
    used = sorted({int(m) for s in kept for m in _MARK.findall(s)})
    renumber = {old: new for new, old in enumerate(used, 1)}
    body = "\n".join(_MARK.sub(lambda m: f"[{renumber[int(m.group(1))]}]", s) for s in kept)
    citations = []
    for old in used:
        p = passages[old - 1]
        raw = retriever.source_text(p.source)
        citations.append(Citation(renumber[old], p.district, p.title, p.source, p.paragraph, p.start, p.end,
                                  repair(raw[p.start : p.end]), p))
    note = f"{dropped} unverifiable sentence(s) dropped" if dropped else ""
    return replace(extractive, text=body, citations=citations, mode="llm", note=note)
