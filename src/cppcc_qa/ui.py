"""Gradio chat UI: a thin layer over ``answer()``, ``find_quotes()``, ``export`` and ``userdata``.

Corpus text is always HTML-escaped (``viewer.py`` builds every piece of HTML). Questions are checked at once,
outside the queue, so a refusal never waits behind someone else's answer; answers stream into the conversation
without touching the question box, so a question typed meanwhile stays. Conversations are saved per login
(``--auth``); without a login everyone using the server shares them, and the UI says so.

``build_app`` puts together: ``_Backend`` (config, index, saved conversations, export files), one layout function
per part of the page returning its components (``_sidebar``, ``_ask_tab``, ``_quote_tab``, ``_viewer_panel``),
``_Handlers`` (the event handlers, as methods), the ``_wire_*`` functions that connect the two, and ``_Api``.
"""

from __future__ import annotations

import atexit
import logging
import shutil
import signal
import sys
import tempfile
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gradio as gr
import pandas as pd

from .compose import answer
from .errors import CppccQaError, InputError
from .export import conversation_docx, conversation_markdown, quotes_docx, quotes_markdown
from .query import clean_question
from .quotes import find_quotes
from .records import Answer, Quote
from .service import open_index
from .settings import Config
from .userdata import UserData
from .viewer import (
    chart_rows,
    conversation_html,
    display_text,
    document_html,
    esc,
    parse_ref,
    quotes_html,
    sources_html,
    table_csv,
)

log = logging.getLogger("cppcc_qa")

EXAMPLES = [
    "哪个区建立了知情明政工作站？",
    "which district built a knowledge station",
    "哪个县市区政协组织的社区议事、协商对话等活动场次最多？",
    "How many companies in Fangzi completed technology transfer loan filings?",
]
TITLE = "政协工作报告问答 · CPPCC report Q&A"
WHO_SHARED = ("⚠️ 本服务器未设登录：保存的对话为所有使用者共享。"
              "No login on this server: saved conversations are shared by everyone using it.")
WHO_PRIVATE = "登录用户 **{user}**：对话只有您能看到。Signed in as **{user}**: only you see your conversations."
STREAM_STEPS = 12
STREAM_PAUSE = 0.02  # seconds between streamed pieces
BUSY_SECONDS = 180  # an answer still "being given" after this long is taken as abandoned
EXPORT_MAX_AGE = 6 * 3600  # export files older than this are removed
EXPORT_PREFIX = "cppcc-qa-exports-"

CSS = """
#chat .conv {display:flex; flex-direction:column; gap:14px; padding:4px 2px}
#chat .empty {color:#57606a; padding:18px 6px}
#chat .shared {color:#9a3412}
#chat .msg {border-radius:10px; padding:8px 12px; overflow-wrap:anywhere}
#chat .msg .who {font-size:.75em; color:#57606a; margin-bottom:2px}
#chat .msg.user {background:#eef2ff; margin-left:12%}
#chat .msg.bot {background:#fff; border:1px solid #d0d7de; margin-right:4%}
#chat .q, #chat .answer {white-space:pre-wrap}
#chat .pending {color:#57606a; font-style:italic}
#chat .caret {color:#1f6feb}
#chat .note {color:#57606a; font-size:.85em; margin-top:4px}
#chat .warn, .warn {color:#9a3412; font-weight:600}
#chat .actions {margin-top:6px; display:flex; gap:6px}
#chat .fb {border:1px solid #d0d7de; border-radius:6px; background:#f6f8fa; padding:2px 10px; cursor:pointer;
  min-height:32px; font-size:.85em; display:inline-flex; align-items:center; gap:4px; color:#24292f}
#chat .fb.down .thumb {transform:rotate(180deg)}
#chat .fb:hover, #chat .fb:focus-visible {background:#eaeef2}
.cite {display:inline-block; border:none; border-radius:999px; background:#1f6feb; color:#fff !important;
  font-size:.78em; font-weight:600; line-height:1.45; padding:0 .45em; margin:0 .12em; cursor:pointer;
  vertical-align:.12em; font-family:inherit}
.cite:hover, .cite:focus-visible {background:#0b4fc4; outline:2px solid #0b4fc4; outline-offset:1px}
.table-wrap {overflow-x:auto; margin-top:8px}
.cmp-table {border-collapse:collapse; font-size:.9em; min-width:100%}
.cmp-table th, .cmp-table td {border:1px solid #d0d7de; padding:3px 6px; text-align:left; white-space:nowrap}
.cmp-table td.num {text-align:right; font-variant-numeric:tabular-nums}
.source-card {border:1px solid #d0d7de; border-radius:8px; padding:10px 12px; margin:0 0 10px 0; background:#fff;
  overflow-wrap:anywhere}
.source-card .meta {color:#57606a; font-size:.85em; margin-bottom:4px}
.source-card .passage {white-space:pre-wrap}
.source-card mark, .doc mark {background:#fff3b0; padding:0 1px}
.open-doc {margin-top:6px; border:1px solid #d0d7de; border-radius:6px; background:#f6f8fa; padding:2px 10px;
  cursor:pointer; font-size:.85em; min-height:30px}
.not-exact {color:#9a3412; font-weight:600}
.notice {color:#57606a}
#status:not(:has(.warn, .ok)) {display:none}
.panel {border:1px solid #d0d7de; border-radius:8px; padding:8px !important}
#viewer-panel {position:fixed; top:0; right:0; bottom:0; width:min(760px, 100vw); z-index:1000; background:#fff;
  box-shadow:-6px 0 24px rgba(0,0,0,.18); padding:10px 16px; margin:0 !important; display:flex;
  flex-direction:column; flex-wrap:nowrap; gap:6px}
#viewer-panel > * {flex:none}
#viewer-panel > #viewer {flex:1 1 auto; min-height:0; overflow-y:auto !important}
#viewer .doc-head {position:sticky; top:0; background:#fff; z-index:2; border-bottom:1px solid #d0d7de;
  padding-bottom:4px; margin-bottom:8px}
.doc-title {font-weight:700; font-size:1.05em; margin-bottom:4px}
.doc-meta {display:flex; flex-wrap:wrap; gap:2px 14px; font-size:.85em; margin:0 0 6px 0; padding:0}
.doc-meta div {display:flex; gap:4px} .doc-meta dt {color:#57606a} .doc-meta dd {margin:0; overflow-wrap:anywhere}
.doc-text {white-space:pre-wrap; line-height:1.75; overflow-wrap:anywhere}
.doc-article {display:inline; background:#f6f8fa}
.doc mark.cited {background:#ffe066; outline:2px solid #e8b500; scroll-margin:120px}
@media (max-width: 640px) {
  #chat .msg.user {margin-left:0} #chat .msg.bot {margin-right:0}
  #viewer-panel {padding:10px}
}
"""

# Clicks on our own buttons inside an HTML panel become Gradio events carrying the reference they hold.
PANEL_JS = """
element.addEventListener('click', (ev) => {
  const t = ev.target.closest('[data-open],[data-fb]');
  if (!t || !element.contains(t)) return;
  ev.preventDefault();
  if (t.dataset.open) trigger('open', {ref: t.dataset.open});
  else trigger('feedback', {ref: t.dataset.fb});
});
"""
VIEWER_JS = """
const show = () => { const m = element.querySelector('mark.cited'); if (m) m.scrollIntoView({block: 'center'}); };
watch('value', () => setTimeout(show, 30));
setTimeout(show, 30);
"""
# After the viewer opens: bring the highlight into view and move keyboard focus there.
SCROLL_JS = """
() => {
  let tries = 0;
  const go = () => {
    const m = document.querySelector('#viewer mark.cited');
    if (!m || m.offsetParent === null) { if (tries++ < 40) setTimeout(go, 50); return; }
    m.scrollIntoView({block: 'center'});
    const t = document.querySelector('#viewer .doc-text');
    if (t) t.focus({preventScroll: true});
  };
  go();
}
"""
PAGE_JS = """
() => {
  const narrow = () => window.matchMedia('(max-width: 760px)').matches;
  const closeSidebar = () => {
    const s = document.querySelector('#sidebar');
    if (s && s.classList.contains('open')) s.querySelector('.toggle-button')?.click();
  };
  let tries = 0;
  const init = () => {
    if (!document.querySelector('#sidebar')) { if (tries++ < 200) setTimeout(init, 50); return; }
    if (narrow()) closeSidebar();  // on a phone the sidebar would cover the chat
  };
  init();
  document.addEventListener('click', (e) => {
    if (narrow() && e.target.closest('#conv-list label, #new-conv')) setTimeout(closeSidebar, 150);
  });
  document.addEventListener('keydown', (e) => {
    if (e.key !== 'Escape') return;
    const b = document.querySelector('#viewer-close');
    if (b && b.offsetParent !== null) b.click();
  });
}
"""


def _theme() -> gr.themes.Base:
    # System fonts only: the default theme would fetch web fonts from the internet.
    sans = ["Noto Sans CJK SC", "Noto Sans SC", "Microsoft YaHei", "PingFang SC", "ui-sans-serif", "system-ui",
            "sans-serif"]
    return gr.themes.Default(font=sans, font_mono=["ui-monospace", "Consolas", "monospace"])


def parse_auth(values: list[str] | None) -> list[tuple[str, str]] | None:
    """``["user:pass", …]`` as Gradio's credentials; one clear error (naming no password) for a bad value."""
    if not values:
        return None
    creds: list[tuple[str, str]] = []
    for n, value in enumerate(values, 1):
        user, sep, password = str(value).partition(":")
        user = user.strip()
        if not sep or not user or not password:
            shown = f" for user {user!r}" if user and sep else ""
            raise InputError(f"--auth value #{n}{shown} must look like user:password.",
                             "For example: --auth staff:s3cret (repeat --auth for more users).")
        if any(u == user for u, _ in creds):
            raise InputError(f"--auth names user {user!r} twice.", "Give each user once.")
        creds.append((user, password))
    return creds


def _user(request: gr.Request | None) -> str:
    """The login of the request ("" without --auth: everyone shares one store)."""
    return str(getattr(request, "username", None) or "") if request is not None else ""


class _Claims:
    """Tokens of questions taken up for answering (each is answered once)."""

    def __init__(self, size: int = 10_000) -> None:
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def claim(self, token: str) -> bool:
        with self._lock:
            if token in self._seen:
                return False
            self._seen[token] = None
            while len(self._seen) > self._size:
                self._seen.popitem(last=False)
            return True


class _Exports:
    """Files for one click downloads: written under one directory per process, old ones removed."""

    def __init__(self) -> None:
        _sweep_orphans(time.time())
        self.root = Path(tempfile.mkdtemp(prefix=EXPORT_PREFIX))
        self._lock = threading.Lock()
        atexit.register(shutil.rmtree, self.root, ignore_errors=True)  # the files only live as long as the server

    def new_dir(self) -> Path:
        with self._lock:
            now = time.time()
            self.root.mkdir(parents=True, exist_ok=True)  # another server may have swept it after a long idle spell
            for old in self.root.iterdir():
                try:
                    if now - old.stat().st_mtime > EXPORT_MAX_AGE:
                        shutil.rmtree(old, ignore_errors=True)
                except OSError:
                    continue
            return Path(tempfile.mkdtemp(dir=self.root))


def _sweep_orphans(now: float) -> None:
    """Remove the export folders of servers that were killed outright (no exit handler ran): those untouched for
    EXPORT_MAX_AGE, which a running server would have emptied by then anyway."""
    for root in Path(tempfile.gettempdir()).glob(EXPORT_PREFIX + "*"):
        try:
            newest = max([root.stat().st_mtime, *(p.stat().st_mtime for p in root.iterdir())])
        except OSError:
            continue
        if now - newest > EXPORT_MAX_AGE:
            shutil.rmtree(root, ignore_errors=True)


def _stamp() -> str:
    return time.strftime("%Y%m%d-%H%M%S")


Turns = list[tuple[str, Answer]]  # a conversation as shown: (question, answer) pairs
Updates = dict[Any, Any]  # what a handler changes: component -> new value or gr.update(…)
PRIVATE: dict[str, Any] = {"api_visibility": "private"}  # UI events are not API endpoints (gr.api ones are)
NO_SUCH_CONVERSATION = "找不到这个对话 · No such conversation."
CHOOSE_FIRST = "⚠️ 请先选择一个对话 · Choose a conversation first."
FOCUS_QUESTION_JS = "() => { const q = document.querySelector('#question textarea'); if (q) q.focus(); }"


def _alert(text: str) -> str:
    return f"<div class='warn' role='alert'>⚠️ {esc(text)}</div>"


def _years(values: list[Any] | None) -> list[int] | None:
    return [int(y) for y in values or []] or None


def _saved_turns(saved: list[dict[str, Any]]) -> Turns:
    """The turns of a saved conversation as shown; a turn that no longer reads back is left out."""
    turns = []
    for t in saved:
        try:
            turns.append((str(t["question"]), Answer.from_dict(t["answer"])))
        except (KeyError, TypeError, ValueError):
            continue
    return turns


# -- what every session shares --------------------------------------------------------------------------------------


class _Backend:
    """The configuration, the index, saved conversations, export files and the claims on questions.

    The index is opened through ``service.open_index`` on every request (cached per process; a rebuilt index is
    picked up)."""

    def __init__(self, config: Config, *, shared: bool) -> None:
        self.config = config
        self.shared = shared  # no login: everyone using the server shares the saved conversations
        first = open_index(config=config)
        self.places, self.years = sorted(first.place_names), first.years
        self.store = UserData(config.data, config.corpus)
        self.exports = _Exports()
        self.claims = _Claims()

    def index(self) -> Any:
        return open_index(config=self.config)

    def conv_choices(self, user: str) -> list[tuple[str, str]]:
        return [(f"{c.title} · {c.updated[5:16]}", c.id) for c in self.store.conversations(user)]

    def title_of(self, user: str, conv_id: str | None) -> str:
        if not conv_id:
            return ""
        conv = self.store.conversation(user, conv_id)
        return conv.title if conv else ""

    def conversation_files(self, turns: Turns) -> dict[str, str]:
        """The downloads of a conversation, by key: its last answer and the whole of it (.docx, .md), the table."""
        if not turns:
            return {}
        folder = self.exports.new_dir()
        stamp = _stamp()
        last = [turns[-1]]
        out = {
            "answer_docx": str(conversation_docx(last, folder / f"cppcc-qa-answer-{stamp}.docx")),
            "conv_docx": str(conversation_docx(turns, folder / f"cppcc-qa-conversation-{stamp}.docx")),
        }
        for key, part in (("answer_md", last), ("conv_md", turns)):
            name = "answer" if key == "answer_md" else "conversation"
            path = folder / f"cppcc-qa-{name}-{stamp}.md"
            path.write_text(conversation_markdown(part), encoding="utf-8")
            out[key] = str(path)
        table = turns[-1][1].table
        if table:
            path = folder / f"cppcc-qa-table-{stamp}.csv"
            path.write_text("\ufeff" + table_csv(table), encoding="utf-8")  # BOM: Excel reads it as UTF-8
            out["csv"] = str(path)
        return out

    def quote_files(self, quotes: list[Quote], phrase: str) -> tuple[Path, Path]:
        """The .docx and .md of the chosen quotes."""
        folder = self.exports.new_dir()
        stamp = _stamp()
        md = folder / f"cppcc-qa-quotes-{stamp}.md"
        md.write_text(quotes_markdown(quotes, phrase), encoding="utf-8")
        return quotes_docx(quotes, folder / f"cppcc-qa-quotes-{stamp}.docx", phrase), md


class _Api:
    """The ``gr.api`` endpoints: the same answers as the UI, errors as ``{"error": …}``."""

    def __init__(self, backend: _Backend) -> None:
        self.b = backend

    def ask(self, question: str, place: list[str] | None = None, year: list[int] | None = None) -> dict[str, Any]:
        """Answer a question: text with [n] markers, citations with exact offsets, found flag, table."""
        try:
            return answer(question, place=place or None, year=_years(year), index=self.b.index(),
                          config=self.b.config).to_dict()
        except CppccQaError as err:
            return {"error": str(err), "found": False, "text": "", "citations": []}
        except (TypeError, ValueError) as err:
            return {"error": f"Bad argument: {err}", "found": False, "text": "", "citations": []}
        except Exception as err:  # an API caller gets a named error, not Gradio's bare AppError; the log has it
            log.exception("answer failed for %r", question)
            return {"error": f"Internal error ({type(err).__name__}); please try again.", "found": False, "text": "",
                    "citations": []}

    def find_quote(self, phrase: str) -> list[dict[str, Any]] | dict[str, Any]:
        """Every exact occurrence of a phrase (or the nearest sentences, marked exact=false)."""
        try:
            return [q.to_dict() for q in find_quotes(phrase, index=self.b.index(), config=self.b.config)]
        except CppccQaError as err:
            return {"error": str(err)}

    def conversations(self, request: gr.Request) -> list[dict[str, Any]]:
        """The saved conversations of the caller (everyone's when the server has no login)."""
        return [{"id": c.id, "title": c.title, "created": c.created, "updated": c.updated}
                for c in self.b.store.conversations(_user(request))]

    def conversation(self, conversation_id: str, request: gr.Request) -> dict[str, Any]:
        """One saved conversation of the caller: its turns (question and answer dict)."""
        conv = self.b.store.conversation(_user(request), str(conversation_id))
        if conv is None:
            return {"error": "No such conversation."}
        return {"id": conv.id, "title": conv.title, "created": conv.created, "updated": conv.updated,
                "turns": conv.turns}

    def register(self) -> None:
        gr.api(self.ask, api_name="ask")
        gr.api(self.find_quote, api_name="find_quote")
        gr.api(self.conversations, api_name="conversations", queue=False)
        gr.api(self.conversation, api_name="conversation", queue=False)


# -- layout: one function per part of the page, each returning its components ---------------------------------------


@dataclass(frozen=True)
class _States:
    """What each browser session holds between events."""

    turns: gr.State  # the conversation shown: [(question, Answer), …]
    conv: gr.State  # the id it is saved under (None before its first answer)
    pending: gr.State  # (token, question) accepted and waiting for ``respond``
    busy: gr.State  # when the answer on its way was asked for (0.0: none)
    fb_target: gr.State  # (turn, rating) the feedback panel is about
    quotes: gr.State  # the find-quote results shown
    phrase: gr.State  # the phrase they were found for


def _states() -> _States:
    return _States(turns=gr.State([]), conv=gr.State(None), pending=gr.State(None), busy=gr.State(0.0),
                   fb_target=gr.State(None), quotes=gr.State([]), phrase=gr.State(""))


@dataclass(frozen=True)
class _Sidebar:
    """The saved conversations' sidebar."""

    who: gr.Markdown
    new: gr.Button
    conv_list: gr.Radio
    title: gr.Textbox
    rename: gr.Button
    delete: gr.Button
    confirm: gr.Button
    msg: gr.Markdown


def _sidebar(auth: bool) -> _Sidebar:
    """Saved conversations: new, open, rename, delete (after a confirmation)."""
    with gr.Sidebar(open=True, width=300, elem_id="sidebar"):
        gr.Markdown("### 对话 · Conversations")
        who = gr.Markdown(WHO_PRIVATE.format(user="…") if auth else WHO_SHARED, elem_id="conv-who")
        new = gr.Button("＋ 新对话 · New conversation", elem_id="new-conv", size="sm")
        conv_list = gr.Radio(choices=[], label="已保存的对话 · Saved conversations", elem_id="conv-list")
        title = gr.Textbox(label="名称 · Name", elem_id="conv-title", max_lines=1)
        with gr.Row():
            rename = gr.Button("重命名 · Rename", elem_id="conv-rename", size="sm")
            delete = gr.Button("删除 · Delete", elem_id="conv-delete", size="sm", variant="stop")
        confirm = gr.Button("确认删除 · Confirm delete", elem_id="conv-delete-confirm", size="sm", variant="stop",
                            visible=False)
        msg = gr.Markdown(elem_id="conv-msg")
    return _Sidebar(who, new, conv_list, title, rename, delete, confirm, msg)


@dataclass(frozen=True)
class _Feedback:
    """The feedback panel under the chat."""

    group: gr.Column
    label: gr.Markdown
    comment: gr.Textbox
    send: gr.Button
    cancel: gr.Button


def _feedback_panel() -> _Feedback:
    """Shown by a thumb under an answer: an optional comment, then send or cancel."""
    with gr.Column(visible=False, elem_id="feedback", elem_classes=["panel"]) as group:
        label = gr.Markdown()
        comment = gr.Textbox(label="意见（可选）· Comment (optional)", lines=2, max_lines=6, elem_id="fb-comment")
        with gr.Row():
            send = gr.Button("发送反馈 · Send feedback", variant="primary", size="sm", elem_id="fb-send")
            cancel = gr.Button("取消 · Cancel", size="sm", elem_id="fb-cancel")
    return _Feedback(group, label, comment, send, cancel)


# The conversation's downloads, by the key of ``_Backend.conversation_files``: (label, elem_id).
DOWNLOADS = {
    "answer_docx": ("回答 Word · Answer .docx", "dl-answer-docx"),
    "answer_md": ("回答 Markdown · Answer .md", "dl-answer-md"),
    "conv_docx": ("整个对话 Word · Conversation .docx", "dl-conv-docx"),
    "conv_md": ("整个对话 Markdown · Conversation .md", "dl-conv-md"),
    "csv": ("下载表格 CSV · Table .csv", "dl-csv"),  # under the chart
}


def _download(key: str) -> gr.DownloadButton:
    label, elem_id = DOWNLOADS[key]
    return gr.DownloadButton(label, elem_id=elem_id, visible=False, size="sm")


@dataclass(frozen=True)
class _AskTab:
    """The Ask tab."""

    chat: gr.HTML
    feedback: _Feedback
    box: gr.Textbox
    send: gr.Button
    status: gr.HTML
    place: gr.Dropdown
    year: gr.Dropdown
    downloads: dict[str, gr.DownloadButton]  # by the keys of DOWNLOADS
    comparison: gr.Column
    chart: gr.BarPlot
    sources: gr.HTML

    def view_outputs(self) -> list[Any]:
        """What ``_Handlers.view`` updates."""
        return [self.chat, self.sources, self.comparison, self.chart, *self.downloads.values()]


def _ask_tab(backend: _Backend) -> _AskTab:
    """The chat, question box, filters and downloads on the left; the comparison chart and sources on the right."""
    with gr.Tab("问答 · Ask", elem_id="tab-ask"), gr.Row(equal_height=False):
        with gr.Column(scale=3, min_width=320):
            chat = gr.HTML(conversation_html([], shared=backend.shared), elem_id="chat", js_on_load=PANEL_JS,
                           max_height=620, autoscroll=True, min_height=160)
            feedback = _feedback_panel()
            with gr.Row(equal_height=True):
                box = gr.Textbox(placeholder="输入问题，回车提问 · Ask in Chinese or English; Enter sends",
                                 show_label=False, scale=5, min_width=200, lines=1, max_lines=5, elem_id="question",
                                 autofocus=True, submit_btn=False)
                send = gr.Button("提问 · Ask", variant="primary", scale=1, min_width=90, elem_id="ask-btn")
            status = gr.HTML("", elem_id="status")
            with gr.Row():
                place = gr.Dropdown(choices=backend.places, multiselect=True, label="地区 · Place",
                                    elem_id="place-filter", scale=3, min_width=180)
                year = gr.Dropdown(choices=[str(y) for y in backend.years], multiselect=True, label="年份 · Year",
                                   elem_id="year-filter", scale=1, min_width=120)
            with gr.Row(elem_id="exports"):
                downloads = {key: _download(key) for key in DOWNLOADS if key != "csv"}
            gr.Examples(EXAMPLES, inputs=box, label="示例问题 · Examples")
        with gr.Column(scale=2, min_width=300):
            with gr.Column(visible=False, elem_id="comparison", elem_classes=["panel"]) as comparison:
                chart = gr.BarPlot(None, x="value", y="label", x_title="数值 Value", y_title=" ", x_lim=[0, None],
                                   sort=None, tooltip=["place", "counted", "as_written", "unit", "year"],
                                   label="对比 · Comparison", elem_id="chart", height=220)
                downloads["csv"] = _download("csv")
            gr.Markdown("### 来源 · Sources")
            sources = gr.HTML(sources_html(None, None, 0), elem_id="sources", js_on_load=PANEL_JS)
    return _AskTab(chat, feedback, box, send, status, place, year, downloads, comparison, chart, sources)


@dataclass(frozen=True)
class _ViewerPanel:
    """The source viewer."""

    panel: gr.Column
    close: gr.Button
    html: gr.HTML


def _viewer_panel() -> _ViewerPanel:
    """The source document, over the right of the page, opened by a citation, card or quote."""
    with gr.Column(visible=False, elem_id="viewer-panel") as panel:
        with gr.Row(equal_height=True):
            gr.Markdown("### 原文 · Source document")
            close = gr.Button("关闭 · Close (Esc)", size="sm", elem_id="viewer-close", scale=0, min_width=120)
        html = gr.HTML("", elem_id="viewer", js_on_load=VIEWER_JS)
    return _ViewerPanel(panel, close, html)


@dataclass(frozen=True)
class _QuoteTab:
    """The Find-quote tab."""

    phrase: gr.Textbox
    find: gr.Button
    found: gr.HTML
    cites: gr.Textbox
    exports: gr.Column
    pick: gr.CheckboxGroup
    docx: gr.DownloadButton
    md: gr.DownloadButton


def _quote_tab() -> _QuoteTab:
    """Find a phrase in the reports: the quotes, their citation lines, and downloads of all or some of them."""
    with gr.Tab("找原文 · Find quote", elem_id="tab-quote"):
        with gr.Row(equal_height=True):
            phrase = gr.Textbox(placeholder="输入原文片段，如：郑委员超市 · Type a phrase", show_label=False, scale=5,
                                min_width=200, elem_id="phrase", max_lines=3)
            find = gr.Button("查找 · Find", variant="primary", scale=1, min_width=90, elem_id="find-btn")
        found = gr.HTML(elem_id="quotes", js_on_load=PANEL_JS)
        cites = gr.Textbox(label="引用（可复制）· Citation lines to copy", lines=4, buttons=["copy"],
                           elem_id="citations", interactive=False)
        with gr.Column(visible=False, elem_id="quote-exports", elem_classes=["panel"]) as exports:
            pick = gr.CheckboxGroup(choices=[], label="导出哪些（不选即全部）· Quotes to export (none = all)",
                                    elem_id="quote-pick")
            with gr.Row():
                docx = gr.DownloadButton("Word .docx", elem_id="dl-quotes-docx", size="sm")
                md = gr.DownloadButton("Markdown .md", elem_id="dl-quotes-md", size="sm")
    return _QuoteTab(phrase, find, found, cites, exports, pick, docx, md)


@dataclass(frozen=True)
class _Ui:
    """Every component an event handler reads or changes, by the part of the page it is in."""

    states: _States
    sidebar: _Sidebar
    ask: _AskTab
    quote: _QuoteTab
    viewer: _ViewerPanel


def _layout(backend: _Backend, auth: bool) -> _Ui:
    """The page, top to bottom (the order components are made in is the order they are shown in)."""
    states = _states()
    sidebar = _sidebar(auth)
    gr.Markdown(f"## {TITLE}\n答案均摘自报告原文并标注来源；点击 [n] 查看原文。"
                "Answers quote the reports and cite each source; click [n] to read it in the document.")
    ask = _ask_tab(backend)
    quote = _quote_tab()
    viewer = _viewer_panel()
    return _Ui(states, sidebar, ask, quote, viewer)


# -- event handlers -------------------------------------------------------------------------------------------------


class _Handlers:
    """The UI's event handlers: each returns (or yields) the new values of the components it changes."""

    def __init__(self, backend: _Backend, ui: _Ui) -> None:
        self.b = backend
        self.s = ui.states
        self.side = ui.sidebar
        self.ask = ui.ask
        self.fb = ui.ask.feedback
        self.quote = ui.quote
        self.viewer = ui.viewer

    def view(self, turns: Turns, *, warning: str | None = None) -> Updates:
        """Everything that shows a conversation: the chat, sources, comparison chart and downloads."""
        last = turns[-1][1] if turns else None
        files = self.b.conversation_files(turns)
        out: Updates = {
            self.ask.chat: conversation_html(turns, shared=self.b.shared, warning=warning),
            self.ask.sources: sources_html(self.b.index(), last, len(turns) - 1),
        }
        for key, button in self.ask.downloads.items():
            out[button] = gr.update(value=files.get(key), visible=key in files)
        if last is not None and last.table:
            bars, value_title = chart_rows(last.table)
            out[self.ask.comparison] = gr.update(visible=True)
            out[self.ask.chart] = gr.update(value=pd.DataFrame(bars), x_title=value_title,
                                            label=f"对比 · Comparison — {value_title}", height=120 + 40 * len(bars))
        else:
            out[self.ask.comparison] = gr.update(visible=False)
            out[self.ask.chart] = gr.update(value=None)
        return out

    # -- asking ------------------------------------------------------------------------------------------------------

    def accept(self, question: str, turns: Turns, busy: float) -> Updates:
        """Outside the queue: refuse bad input at once; otherwise take the question and clear the box.

        The question waits in ``pending`` with a token: whichever queued ``respond`` runs first claims it, so a
        second Enter pressed while an answer is on its way neither loses nor repeats the first question."""
        if busy and time.time() - busy < BUSY_SECONDS:
            return {self.ask.status: "<div class='warn' role='status'>上一个问题还在回答中，您的问题保留在输入框里。"
                                     "Still answering the previous question; yours stays in the box.</div>"}
        try:
            text = clean_question(question)
        except CppccQaError as err:
            return {self.ask.status: _alert(str(err))}
        return {self.ask.status: "", self.s.pending: (uuid.uuid4().hex, text), self.s.busy: time.time(),
                self.ask.box: "", self.ask.chat: conversation_html(turns, pending=text, shared=self.b.shared)}

    def respond(self, waiting: tuple[str, str] | None, turns: Turns, conv_id: str | None, place: list[str] | None,
                year: list[str] | None, request: gr.Request) -> Iterator[Updates]:
        """In the queue: answer the accepted question, stream it into the chat, then save it."""
        if not waiting or not self.b.claims.claim(waiting[0]):  # refused by ``accept``, or already being answered
            yield {}
            return
        question = waiting[1]
        turns = list(turns or [])
        history: list[object] = [q for q, _ in turns]
        try:
            result = answer(question, place=place or None, year=_years(year), history=history, index=self.b.index(),
                            config=self.b.config)
        except Exception as err:  # never a traceback in the page; the server log has it
            message = self._failure(question, err)
            yield {**self.view(turns), self.ask.status: message, self.s.pending: None, self.s.busy: 0.0}
            return
        size = len(display_text(result))
        step = max(8, size // STREAM_STEPS)
        for upto in range(step, size, step):
            yield {self.ask.chat: conversation_html(turns, streaming=(question, result, upto), shared=self.b.shared)}
            time.sleep(STREAM_PAUSE)
        yield self._answered([*turns, (question, result)], conv_id, _user(request))

    @staticmethod
    def _failure(question: str, err: Exception) -> str:
        """The status for an answer that failed: our own errors as they are, anything else only named (and logged)."""
        if isinstance(err, CppccQaError):
            return _alert(str(err))
        log.exception("answer failed for %r", question)
        return ("<div class='warn' role='alert'>⚠️ 内部错误，请稍后再试 · Internal error "
                f"({esc(type(err).__name__)}); please try again.</div>")

    def _answered(self, turns: Turns, conv_id: str | None, user: str) -> Updates:
        """The conversation with its new last turn, saved."""
        question, result = turns[-1]
        note = ""
        try:
            conv_id = self.b.store.save_turn(user, conv_id, question, result)
        except CppccQaError as err:
            note = f"<div class='warn' role='status'>⚠️ 对话未能保存 · Not saved: {esc(str(err))}</div>"
        return {**self.view(turns), self.s.turns: turns, self.s.conv: conv_id, self.s.pending: None,
                self.s.busy: 0.0, self.ask.status: note,
                self.side.conv_list: gr.update(choices=self.b.conv_choices(user), value=conv_id),
                self.side.title: self.b.title_of(user, conv_id), self.fb.group: gr.update(visible=False)}

    # -- the source viewer and feedback ------------------------------------------------------------------------------

    def open_ref(self, turns: Turns, quotes: list[Quote], evt: gr.EventData) -> Updates:
        """Open the source viewer on what a clicked marker, card or quote refers to."""
        try:
            html = self._document(turns, quotes, getattr(evt, "_data", {}).get("ref"))
        except (ValueError, IndexError, StopIteration, TypeError, AttributeError):
            html = "<div class='warn'>⚠️ 找不到这条来源 · This source is not available any more.</div>"
        return {self.viewer.html: html, self.viewer.panel: gr.update(visible=True)}

    def _document(self, turns: Turns, quotes: list[Quote], ref: object) -> str:
        """The viewer's HTML for a reference (see ``viewer.parse_ref``); an error when it points at nothing."""
        kind, a, b = parse_ref(ref)
        if kind == "q":
            q = quotes[a - 1]
            return document_html(self.b.index(), q.source, q.start, q.end, q.text, f"[{a}]")
        _, result = turns[a]
        if kind == "p":
            p = result.passages[b - 1]
            return document_html(self.b.index(), p.source, p.start, p.end, "", f"({b})")
        cite = next((c for c in result.citations if c.marker == b), None)
        if cite is not None:
            return document_html(self.b.index(), cite.source, cite.start, cite.end, cite.quote, f"[{b}]")
        row = next(r for r in result.table if r.marker == b)
        return document_html(self.b.index(), row.source, row.start, row.end, "", f"[{b}]")

    def feedback_open(self, turns: Turns, evt: gr.EventData) -> Updates:
        try:
            turn_s, rating_s = str(getattr(evt, "_data", {}).get("ref")).split(":")
            turn, rating = int(turn_s), int(rating_s)
            if rating not in (1, -1) or not 0 <= turn < len(turns):
                raise ValueError
        except (ValueError, TypeError):
            return {}
        mark = "👍 有帮助 · helpful" if rating > 0 else "👎 有错误 · wrong"
        return {self.s.fb_target: (turn, rating), self.fb.group: gr.update(visible=True), self.fb.comment: "",
                self.fb.label: f"对第 {turn + 1} 个回答的反馈 · Feedback on answer {turn + 1}: **{mark}**"}

    def feedback_send(self, target: tuple[int, int] | None, comment: str, turns: Turns, conv_id: str | None,
                      request: gr.Request) -> Updates:
        if not target:
            return {self.fb.group: gr.update(visible=False)}
        turn, rating = target
        try:
            result = turns[turn][1]
            self.b.store.add_feedback(rating, result, (comment or "").strip(), _user(request), conv_id or "")
        except (IndexError, CppccQaError) as err:
            return {self.ask.status: _alert(str(err))}
        thanks = "<div class='ok' role='status'>✓ 已记录反馈，谢谢 · Feedback recorded, thank you.</div>"
        return {self.fb.group: gr.update(visible=False), self.s.fb_target: None, self.ask.status: thanks}

    # -- saved conversations -----------------------------------------------------------------------------------------

    def still_busy(self, busy: float, current: str | None) -> Updates | None:
        """Switching conversations while an answer streams would mix them up: say so and stay."""
        if busy and time.time() - busy < BUSY_SECONDS:
            return {self.side.msg: "⚠️ 请等当前回答完成 · Wait for the current answer to finish.",
                    self.side.conv_list: gr.update(value=current)}
        return None

    def _shown(self, turns: Turns, conv_id: str | None) -> Updates:
        """A conversation (or none) opened in place of the one shown."""
        return {**self.view(turns), self.s.turns: turns, self.s.conv: conv_id, self.ask.status: "",
                self.fb.group: gr.update(visible=False), self.side.confirm: gr.update(visible=False), self.side.msg: ""}

    def new_conversation(self, busy: float = 0.0, current: str | None = None) -> Updates:
        if (refused := self.still_busy(busy, current)) is not None:
            return refused
        return {**self._shown([], None), self.side.conv_list: gr.update(value=None), self.side.title: ""}

    def open_conversation(self, conv_id: str | None, busy: float, current: str | None,
                          request: gr.Request) -> Updates:
        if (refused := self.still_busy(busy, current)) is not None:
            return refused
        if not conv_id:
            return {}
        conv = self.b.store.conversation(_user(request), str(conv_id))
        if conv is None:
            return {self.ask.status: _alert(NO_SUCH_CONVERSATION)}
        return {**self._shown(_saved_turns(conv.turns), conv.id), self.side.title: conv.title}

    def rename_conversation(self, conv_id: str | None, title: str, request: gr.Request) -> Updates:
        user = _user(request)
        if not conv_id:
            return {self.side.msg: CHOOSE_FIRST}
        try:
            ok = self.b.store.rename(user, conv_id, title)
        except CppccQaError as err:
            return {self.side.msg: f"⚠️ {err}"}
        if not ok:
            return {self.side.msg: f"⚠️ {NO_SUCH_CONVERSATION}"}
        return {self.side.conv_list: gr.update(choices=self.b.conv_choices(user), value=conv_id),
                self.side.msg: "✓ 已重命名 · Renamed."}

    def ask_delete(self, conv_id: str | None) -> Updates:
        if not conv_id:
            return {self.side.msg: CHOOSE_FIRST}
        return {self.side.confirm: gr.update(visible=True),
                self.side.msg: "确认删除这个对话？· Delete this conversation?"}

    def delete_conversation(self, conv_id: str | None, busy: float, request: gr.Request) -> Updates:
        if (refused := self.still_busy(busy, conv_id)) is not None:
            return refused
        user = _user(request)
        ok = bool(conv_id) and self.b.store.delete(user, str(conv_id))
        out = self.new_conversation()
        out[self.side.conv_list] = gr.update(choices=self.b.conv_choices(user), value=None)
        out[self.side.msg] = "✓ 已删除 · Deleted." if ok else f"⚠️ {NO_SUCH_CONVERSATION}"
        return out

    def on_load(self, request: gr.Request) -> Updates:
        user = _user(request)
        who = WHO_PRIVATE.format(user=esc(user).replace("*", "\\*").replace("_", "\\_")) if user else WHO_SHARED
        return {self.side.conv_list: gr.update(choices=self.b.conv_choices(user), value=None), self.side.who: who}

    # -- find quote --------------------------------------------------------------------------------------------------

    def find(self, phrase: str) -> Updates:
        q = self.quote
        try:
            quotes = find_quotes(phrase, index=self.b.index(), config=self.b.config)
        except CppccQaError as err:
            return {q.found: _alert(str(err)), q.cites: "", self.s.quotes: [],
                    q.pick: gr.update(choices=[], value=[]), q.exports: gr.update(visible=False)}
        choices = [(f"[{n}] {x.place} · 第{x.where.paragraph}段", n) for n, x in enumerate(quotes, 1)]
        return {q.found: quotes_html(quotes), q.cites: "\n".join(x.citation for x in quotes), self.s.quotes: quotes,
                self.s.phrase: phrase.strip(), q.pick: gr.update(choices=choices, value=[]),
                q.exports: gr.update(visible=bool(quotes)), **self.on_pick(quotes, phrase.strip(), [])}

    def on_pick(self, quotes: list[Quote], phrase: str, picked: list[int] | None) -> Updates:
        """The quote downloads: the picked quotes (all when none is picked)."""
        chosen = [quotes[n - 1] for n in sorted(set(picked or [])) if 0 < n <= len(quotes)] or list(quotes)
        if not chosen:
            return {}
        docx_path, md = self.b.quote_files(chosen, phrase)
        label = f"（{len(chosen)} 条 · {len(chosen)} quote(s)）"
        return {self.quote.docx: gr.update(value=str(docx_path), label=f"Word .docx {label}"),
                self.quote.md: gr.update(value=str(md), label=f"Markdown .md {label}")}


# -- events ---------------------------------------------------------------------------------------------------------


def _wire_ask(ui: _Ui, h: _Handlers) -> None:
    """Asking (checked at once outside the queue, answered in it), the source viewer and feedback."""
    s, ask, fb, side, viewer = ui.states, ui.ask, ui.ask.feedback, ui.sidebar, ui.viewer
    accepted = [ask.box, ask.chat, ask.status, s.pending, s.busy]
    answered = [*ask.view_outputs(), ask.status, s.turns, s.conv, s.pending, s.busy, side.conv_list, side.title,
                fb.group]
    for trigger in (ask.box.submit, ask.send.click):
        trigger(h.accept, [ask.box, s.turns, s.busy], accepted, queue=False, show_progress="hidden",
                trigger_mode="multiple", **PRIVATE).then(
            h.respond, [s.pending, s.turns, s.conv, ask.place, ask.year], answered, show_progress="hidden",
            **PRIVATE)
    for panel in (ask.chat, ask.sources, ui.quote.found):
        panel.open(h.open_ref, [s.turns, s.quotes], [viewer.html, viewer.panel], queue=False,
                   show_progress="hidden", **PRIVATE).then(None, js=SCROLL_JS, **PRIVATE)
    ask.chat.feedback(h.feedback_open, [s.turns], [s.fb_target, fb.group, fb.comment, fb.label], queue=False,
                      **PRIVATE)
    fb.send.click(h.feedback_send, [s.fb_target, fb.comment, s.turns, s.conv], [fb.group, s.fb_target, ask.status],
                  queue=False, **PRIVATE)
    fb.cancel.click(lambda: (gr.update(visible=False), None), None, [fb.group, s.fb_target], queue=False, **PRIVATE)
    viewer.close.click(lambda: gr.update(visible=False), None, viewer.panel, queue=False, **PRIVATE).then(
        None, js=FOCUS_QUESTION_JS, **PRIVATE)


def _wire_sidebar(app: gr.Blocks, ui: _Ui, h: _Handlers) -> None:
    """Saved conversations: each handler refuses to switch while an answer is on its way."""
    s, side = ui.states, ui.sidebar
    switched = [*ui.ask.view_outputs(), s.turns, s.conv, side.conv_list, side.title, ui.ask.status,
                ui.ask.feedback.group, side.confirm, side.msg]
    side.new.click(h.new_conversation, [s.busy, s.conv], switched, queue=False, **PRIVATE)
    side.conv_list.input(h.open_conversation, [side.conv_list, s.busy, s.conv], switched, queue=False, **PRIVATE)
    side.rename.click(h.rename_conversation, [s.conv, side.title], [side.conv_list, side.msg], queue=False, **PRIVATE)
    side.title.submit(h.rename_conversation, [s.conv, side.title], [side.conv_list, side.msg], queue=False,
                      **PRIVATE)
    side.delete.click(h.ask_delete, [s.conv], [side.confirm, side.msg], queue=False, **PRIVATE)
    side.confirm.click(h.delete_conversation, [s.conv, s.busy], switched, queue=False, **PRIVATE)
    app.load(h.on_load, None, [side.conv_list, side.who], queue=False, show_progress="hidden", **PRIVATE)


def _wire_quotes(ui: _Ui, h: _Handlers) -> None:
    s, q = ui.states, ui.quote
    found = [q.found, q.cites, s.quotes, s.phrase, q.pick, q.exports, q.docx, q.md]
    q.find.click(h.find, q.phrase, found, **PRIVATE)
    q.phrase.submit(h.find, q.phrase, found, **PRIVATE)
    q.pick.input(h.on_pick, [s.quotes, s.phrase, q.pick], [q.docx, q.md], queue=False, **PRIVATE)


def build_app(config: Config, *, auth: bool = False) -> gr.Blocks:
    """The Blocks app for ``config``. The index is opened through ``service.open_index`` on every request
    (cached per process; a rebuilt index is picked up)."""
    backend = _Backend(config, shared=not auth)
    # analytics_enabled=False: no telemetry or version check reaches the internet (the server may be offline).
    with gr.Blocks(title=TITLE, delete_cache=(3600, 6 * 3600), analytics_enabled=False) as app:
        ui = _layout(backend, auth)
        handlers = _Handlers(backend, ui)
        _wire_ask(ui, handlers)
        _wire_sidebar(app, ui, handlers)
        _wire_quotes(ui, handlers)
        _Api(backend).register()
    return app


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def serve(config: Config, host: str = "127.0.0.1", port: int = 7860, auth: list[str] | None = None) -> int:
    """``cppcc-qa serve``: open (or build) the index, warm up, then serve until Ctrl+C. Returns the exit code."""
    from .abstain import warm_up
    from .service import open_index

    creds = parse_auth(auth)
    print(f"Opening the index in {config.index}/ (built from the reports in {config.corpus}/ first if missing or "
          "out of date)…",
          file=sys.stderr, flush=True)
    index = open_index(config=config, progress=sys.stderr.isatty())
    print(f"Index {index.version}: {len(index.articles)} articles from {len(index.manifest.sources)} file(s). "
          "Loading the language tools…", file=sys.stderr, flush=True)
    warm_up()
    app = build_app(config, auth=creds is not None)
    app.queue(default_concurrency_limit=4, max_size=64)
    try:
        app.launch(server_name=host, server_port=port, auth=creds, theme=_theme(), css=CSS, js=PAGE_JS,
                   prevent_thread_lock=True, show_error=False, inbrowser=False, quiet=True, ssr_mode=False,
                   footer_links=["api"], auth_message="政协工作报告问答 · CPPCC report Q&A")
    except OSError as err:
        raise CppccQaError(f"Cannot serve on {host}:{port} ({err}).",
                           "Choose another port with --port, or stop the program using it.") from err
    if host in ("0.0.0.0", "::", ""):
        where = f"http://127.0.0.1:{port} and on every network interface"
    else:
        where = f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"
    print(f"Serving on {where} (Ctrl+C to stop)", flush=True)
    if threading.current_thread() is threading.main_thread():  # `kill`, a service manager: stop as on Ctrl+C
        signal.signal(signal.SIGTERM, _interrupt)
    try:
        while app.is_running:
            time.sleep(0.2)
    except KeyboardInterrupt:
        print("Stopping…", file=sys.stderr, flush=True)
    finally:
        app.close()
    return 0
