"""Gradio chat UI: a thin layer over ``answer()`` and ``find_quotes()``. Corpus text is always HTML-escaped."""

from __future__ import annotations

import html
import os
from pathlib import Path

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

EXAMPLES = [
    "哪个区建立了知情明政工作站？",
    "which district built a knowledge station",
    "青州市“郑委员超市”有哪些功能？",
    "How many companies in Fangzi completed technology transfer loan filings?",
]

CSS = """
.source-card {border:1px solid #d0d7de; border-radius:8px; padding:10px 12px; margin:0 0 10px 0; background:#fff}
.source-card .meta {color:#57606a; font-size:0.85em; margin-bottom:4px}
.source-card mark {background:#fff3b0; padding:0 1px}
.not-exact {color:#9a3412; font-weight:600}
.notice {color:#57606a}
"""


def _theme():
    import gradio as gr

    # System fonts only: the default theme would fetch web fonts from the internet.
    sans = ["Noto Sans CJK SC", "Noto Sans SC", "Microsoft YaHei", "PingFang SC", "ui-sans-serif", "system-ui", "sans-serif"]
    return gr.themes.Default(font=sans, font_mono=["ui-monospace", "Consolas", "monospace"])


def sources_html(result) -> str:
    """The sources panel: each cited passage with its quote highlighted, all text escaped."""
    e = html.escape
    if result is None:
        return "<div class='notice'>来源会显示在这里 · Sources appear here</div>"
    cards = []
    if result.citations:
        for c in result.citations:
            p = c.passage
            text = p.text
            idx = text.find(c.quote[:12]) if c.quote else -1
            if idx >= 0:
                body = e(text[:idx]) + "<mark>" + e(text[idx : idx + len(c.quote)]) + "</mark>" + e(text[idx + len(c.quote) :])
            else:
                body = e(text)
            cards.append(
                f"<div class='source-card'><div class='meta'>[{c.marker}] {e(c.district)} · 《{e(c.title)}》 · "
                f"第{c.paragraph}段{' · ' + e(c.location) if c.location else ''} · score {p.score:.3f} · "
                f"{e(c.source)}:{c.start}-{c.end}</div>{body}</div>"
            )
        return "\n".join(cards)
    head = "可能相关（并非答案） · Possibly related (not an answer)"
    cards.append(f"<div class='notice'>{head}</div>")
    for n, p in enumerate(result.passages[:3], 1):
        cards.append(f"<div class='source-card'><div class='meta'>({n}) {e(p.district)} · 《{e(p.title)}》 · "
                     f"第{p.paragraph}段 · score {p.score:.3f}</div>{e(p.text)}</div>")
    return "\n".join(cards)


def quotes_html(quotes) -> str:
    e = html.escape
    if not quotes:
        return "<div class='notice'>没有找到 · Not found</div>"
    out = []
    if not quotes[0].exact:
        out.append("<div class='not-exact'>没有完全一致的原文，以下为最接近的句子（并非原文引用）· "
                   "No exact match: nearest sentences, NOT exact quotes</div>")
    else:
        out.append(f"<div class='notice'>共 {len(quotes)} 处原文 · {len(quotes)} exact occurrence(s)</div>")
    for n, q in enumerate(quotes, 1):
        sim = "" if q.exact else f" · 相似度 similarity {q.similarity:.2f}"
        out.append(f"<div class='source-card'><div class='meta'>[{n}] {e(q.district)} · 《{e(q.title)}》 · "
                   f"第{q.paragraph}段{' · ' + e(q.location) if q.location else ''} · {e(q.source)}:{q.start}-{q.end}{sim}"
                   f"</div>…{e(q.before)}<mark>{e(q.text)}</mark>"
                   f"{e(q.after)}…</div>")
    return "\n".join(out)


def build_app(corpus: str | Path | None = None, index: str | Path | None = None, model: str | None = None):
    """The Blocks app. The index and model are loaded once per process (``get_retriever`` caches them)."""
    import gradio as gr

    from .answer import answer
    from .errors import CppccQaError
    from .quotes import find_quotes
    from .retrieve import get_retriever

    kw = {"corpus": corpus, "index": index, "model": model}
    loaded = get_retriever(index, corpus, model)
    districts, years = loaded.districts, loaded.years

    def ask_api(question: str, district: list[str] | None = None, year: list[int] | None = None) -> dict:
        """Answer a question: text with [n] markers, citations with exact offsets, found flag."""
        try:
            return answer(question, district=district or None, year=year or None, **kw).to_dict()
        except CppccQaError as err:
            return {"error": str(err), "found": False, "text": "", "citations": []}

    def quote_api(phrase: str) -> list[dict] | dict:
        """Every exact occurrence of a phrase (or the nearest sentences, marked exact=false)."""
        try:
            return [q.to_dict() for q in find_quotes(phrase, **kw)]
        except CppccQaError as err:
            return {"error": str(err)}

    def chat(message: str, history: list, district: list[str], year: list[int] | None = None):
        history = list(history or [])
        previous = [m["content"] for m in history if m.get("role") == "user" and isinstance(m.get("content"), str)]
        history.append({"role": "user", "content": message})
        try:
            result = answer(message, district=district or None, year=[int(y) for y in year or []] or None,
                            history=previous, **kw)
        except CppccQaError as err:
            history.append({"role": "assistant", "content": f"⚠️ {err}"})
            yield history, "", sources_html(None)
            return
        text = html.escape(result.text).replace("\n", "  \n")
        history.append({"role": "assistant", "content": ""})
        step = max(8, len(text) // 12)
        for end in range(step, len(text) + step, step):
            history[-1] = {"role": "assistant", "content": text[:end]}
            yield history, "", sources_html(result)
        if result.note:
            history[-1] = {"role": "assistant", "content": text + f"  \n_({html.escape(result.note)})_"}
            yield history, "", sources_html(result)

    def find(phrase: str):
        try:
            quotes = find_quotes(phrase, **kw)
        except CppccQaError as err:
            return f"<div class='not-exact'>{html.escape(str(err))}</div>", ""
        lines = "\n".join(q.citation for q in quotes) if quotes and quotes[0].exact else ""
        return quotes_html(quotes), lines

    with gr.Blocks(title="政协工作报告问答 · CPPCC report Q&A") as app:
        gr.Markdown("## 政协工作报告问答 · CPPCC report Q&A\n答案均摘自报告原文并标注来源。"
                    "Answers quote the reports and cite each source.")
        with gr.Tab("问答 · Ask"):
            with gr.Row():
                with gr.Column(scale=3):
                    bot = gr.Chatbot(label="对话 · Chat", height=460, sanitize_html=True, elem_id="chat")
                    with gr.Row():
                        box = gr.Textbox(placeholder="输入问题，中文或英文 · Ask in Chinese or English", show_label=False,
                                         scale=5, elem_id="question")
                        send = gr.Button("提问 · Ask", variant="primary", scale=1, elem_id="ask-btn")
                    with gr.Row():
                        pick = gr.Dropdown(choices=districts, multiselect=True, label="限定县市区 · District filter",
                                           elem_id="district-filter", scale=3)
                        year_pick = gr.Dropdown(choices=[str(y) for y in years], multiselect=True,
                                                label="年份 · Year", elem_id="year-filter", scale=1,
                                                visible=len(years) > 1)
                        clear = gr.Button("清空对话 · Clear", scale=1, elem_id="clear-btn")
                    gr.Examples(EXAMPLES, inputs=box, label="示例问题 · Examples")
                with gr.Column(scale=2):
                    gr.Markdown("### 来源 · Sources")
                    panel = gr.HTML(sources_html(None), elem_id="sources")
            send.click(chat, [box, bot, pick, year_pick], [bot, box, panel], api_visibility="private")
            box.submit(chat, [box, bot, pick, year_pick], [bot, box, panel], api_visibility="private")
            clear.click(lambda: ([], "", sources_html(None)), None, [bot, box, panel], api_visibility="private")
        with gr.Tab("找原文 · Find quote"):
            with gr.Row():
                phrase = gr.Textbox(placeholder="输入原文片段，如：郑委员超市 · Type a phrase", show_label=False, scale=5,
                                    elem_id="phrase")
                go = gr.Button("查找 · Find", variant="primary", scale=1, elem_id="find-btn")
            found = gr.HTML(elem_id="quotes")
            cites = gr.Textbox(label="引用（可复制）· Citation lines to copy", lines=4, buttons=["copy"],
                               elem_id="citations", interactive=False)
            go.click(find, phrase, [found, cites], api_visibility="private")
            phrase.submit(find, phrase, [found, cites], api_visibility="private")
        gr.api(ask_api, api_name="ask")
        gr.api(quote_api, api_name="find_quote")
    return app


def launch(app, host: str = "127.0.0.1", port: int = 7860, auth: str | None = None, block: bool = True):
    import gradio as gr

    creds = None
    if auth:
        user, sep, password = auth.partition(":")
        if not sep or not user or not password:
            from .errors import InputError

            raise InputError("--auth must look like user:password.", "For example: --auth staff:s3cret")
        creds = (user, password)
    app.queue(default_concurrency_limit=4, max_size=64)
    return app.launch(server_name=host, server_port=port, auth=creds, theme=_theme(), css=CSS, prevent_thread_lock=not block,
                      show_error=False, inbrowser=False, footer_links=["api"] if hasattr(gr, "api") else None)
