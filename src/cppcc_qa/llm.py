"""Optional generative answers through an OpenAI-compatible chat endpoint (off unless configured).

Configure with $CPPCC_QA_LLM_URL (e.g. http://127.0.0.1:11434/v1 for Ollama) and $CPPCC_QA_LLM_MODEL; optional
$CPPCC_QA_LLM_API_KEY and $CPPCC_QA_LLM_TIMEOUT (seconds, default 30: a deadline for the whole request, not per
read). A response over 1 MB is refused. The model sees only the numbered passages.

What the verifier guarantees for every sentence it keeps:
1. it carries at least one marker ``[n]``, and every marker names a passage it was given;
2. every quoted phrase (in “”, ‘’, 「」, 『』 or "") occurs, whitespace aside, in ONE of the passages the
   sentence cites (a quote stitched across two passages is refused);
3. every number it states occurs in the cited passages;
4. at least 80% of its content words (jieba words, stop words aside) occur in the cited passages.
A sentence failing any of these is dropped and counted; with nothing left, the extractive answer is shown.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import replace
from typing import Any

from .lexical import tokenize
from .records import Answer, Citation, Passage
from .settings import LLMConfig
from .store import Index
from .textnorm import fold, squeeze

_SENTENCE = re.compile(r"[^。！？!?\n]+[。！？!?]*(?:\s*\[\d+\])*")
_MARK = re.compile(r"\[(\d+)\]")
_QUOTED = re.compile(r"“([^”]+)”|‘([^’]+)’|「([^」]+)」|『([^』]+)』|\"([^\"]+)\"")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
MIN_GROUNDED = 0.8


class LLMFailure(Exception):
    """The endpoint did not give a usable answer (said in the fallback note)."""


def _prompt(question: str, passages: list[Passage]) -> list[dict[str, str]]:
    numbered = "\n\n".join(f"[{i}] {p.place}《{p.title}》\n{p.text}" for i, p in enumerate(passages, 1))
    system = ("你是政协工作报告问答助手。只根据给出的编号段落回答，不要使用其他知识。每句话末尾用 [编号] 标注出处；"
              "引用原文时用“”并逐字照抄。段落中没有答案时回答：报告中没有相关内容。")
    return [{"role": "system", "content": system},
            {"role": "user", "content": f"段落：\n{numbered}\n\n问题：{question}"}]


def _content(payload: Any) -> str:
    """The reply text: a string, or the OpenAI "parts" list of {"type": "text", "text": …}."""
    try:
        content = payload["choices"][0]["message"]["content"]
    except (KeyError, IndexError, TypeError) as err:
        raise LLMFailure("the reply has no choices[0].message.content") from err
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        texts = [part.get("text", "") for part in content if isinstance(part, dict) and part.get("type") in
                 ("text", "output_text", None)]
        if all(isinstance(t, str) for t in texts):
            return "".join(texts)
    raise LLMFailure(f"the reply's content is {type(content).__name__}, not text")


def request(config: LLMConfig, messages: list[dict[str, str]]) -> str:
    """POST to the endpoint within a total deadline and a size cap; returns the reply text."""
    import httpx

    deadline = time.monotonic() + config.timeout
    url = config.url.rstrip("/") + "/chat/completions"
    headers = {"Authorization": f"Bearer {config.api_key}"} if config.api_key else {}
    body = {"model": config.model, "temperature": 0, "messages": messages}
    data = bytearray()
    try:
        timeout = httpx.Timeout(config.timeout)
        with httpx.stream("POST", url, headers=headers, json=body, timeout=timeout) as resp:
            resp.raise_for_status()
            for block in resp.iter_bytes():
                data += block
                if len(data) > config.max_bytes:
                    raise LLMFailure(f"the reply is over {config.max_bytes:,} bytes")
                if time.monotonic() > deadline:
                    raise LLMFailure(f"timed out after {config.timeout:g} s")
    except httpx.TimeoutException as err:
        raise LLMFailure(f"timed out after {config.timeout:g} s") from err
    except httpx.HTTPError as err:
        raise LLMFailure(f"failed ({type(err).__name__})") from err
    if time.monotonic() > deadline:
        raise LLMFailure(f"timed out after {config.timeout:g} s")
    try:
        payload = json.loads(bytes(data).decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as err:
        raise LLMFailure("the reply is not JSON") from err
    return _content(payload)


def grounded(sentence: str, cited: list[str]) -> bool:
    """Whether ``sentence`` meets guarantees 2-4 against the folded texts of the passages it cites."""
    squeezed = [squeeze(c) for c in cited]
    body = _MARK.sub("", fold(sentence))
    for m in _QUOTED.finditer(body):
        quote = squeeze(next(g for g in m.groups() if g is not None))
        if quote and not any(quote in c for c in squeezed):
            return False
    joined = "".join(squeezed)
    if any(n not in joined for n in _NUMBER.findall(body)):
        return False
    words = [w for w in tokenize(body) if not w.isdigit()]
    if not words:
        return True
    return sum(w in joined for w in words) / len(words) >= MIN_GROUNDED


def verify(text: str, passages: list[Passage]) -> tuple[list[str], int]:
    """Sentences that pass the verifier (see the module doc), and how many were dropped."""
    kept, dropped = [], 0
    folded = [fold(p.text) for p in passages]
    for sentence in (s.strip() for s in _SENTENCE.findall(text)):
        if not sentence or not _MARK.sub("", sentence).strip(" 。！？!?"):
            continue
        marks = [int(m) for m in _MARK.findall(sentence)]
        ok = bool(marks) and all(1 <= m <= len(passages) for m in marks)
        if ok and grounded(sentence, [folded[m - 1] for m in dict.fromkeys(marks)]):
            kept.append(sentence)
        else:
            dropped += 1
    return kept, dropped


def generate(extractive: Answer, index: Index, config: LLMConfig) -> Answer:
    """Ask the endpoint; return a verified generative answer, or the extractive one with a note saying why not."""
    from .evidence import citation_for

    passages = extractive.passages
    try:
        text = request(config, _prompt(extractive.asked or extractive.question, passages))
    except LLMFailure as err:
        return replace(extractive, mode="extractive-fallback",
                       note=f"LLM {err}; showing the extractive answer / 生成模型不可用，显示原文摘录答案")
    kept, dropped = verify(text, passages)
    if not kept:
        return replace(extractive, mode="extractive-fallback",
                       note="LLM answer had no verifiable sentence; showing the extractive answer")
    used = sorted({int(m) for s in kept for m in _MARK.findall(s)})
    renumber = {old: new for new, old in enumerate(used, 1)}
    body = "\n".join(_MARK.sub(lambda m: f"[{renumber[int(m.group(1))]}]", s) for s in kept)
    citations: list[Citation] = [citation_for(renumber[old], index, passages[old - 1], passages[old - 1].start,
                                              passages[old - 1].end) for old in used]
    note = f"{dropped} unverifiable sentence(s) dropped" if dropped else ""
    return replace(extractive, text=body, citations=citations, mode="llm", note=note)
