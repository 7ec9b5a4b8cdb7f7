"""Gradio chat UI: a thin layer over ``answer()``, ``find_quotes()``, ``export`` and ``userdata``.

Corpus text is always HTML-escaped (``viewer.py`` builds every piece of HTML). Questions are checked at once,
outside the queue, so a refusal never waits behind someone else's answer; answers stream into the conversation
without touching the question box, so a question typed meanwhile stays. Conversations are saved per login
(``--auth``); without a login everyone using the server shares them, and the UI says so.
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
import tempfile
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr

from .errors import CppccQaError, InputError
from .records import Answer, Quote
from .settings import Config
from .viewer import (
    answer_from_dict,
    chart_rows,
    conversation_html,
    document_html,
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
        self.root = Path(tempfile.mkdtemp(prefix="cppcc-qa-exports-"))
        self._lock = threading.Lock()

    def new_dir(self) -> Path:
        with self._lock:
            now = time.time()
            for old in self.root.iterdir():
                try:
                    if now - old.stat().st_mtime > EXPORT_MAX_AGE:
                        shutil.rmtree(old, ignore_errors=True)
                except OSError:
                    continue
            return Path(tempfile.mkdtemp(dir=self.root))


def _stamp() -> str:
    return time.strftime("%Y%m%d-%H%M%S")


def build_app(config: Config, *, auth: bool = False) -> gr.Blocks:
    """The Blocks app for ``config``. The index is opened through ``service.open_index`` on every request
    (cached per process; a rebuilt index is picked up)."""
    import pandas as pd

    from .compose import answer
    from .export import conversation_docx, conversation_markdown, quotes_docx, quotes_markdown
    from .query import clean_question
    from .quotes import find_quotes
    from .service import open_index
    from .userdata import UserData

    index0 = open_index(config=config)
    places, years = sorted(index0.place_names), index0.years
    store = UserData(config.data, config.corpus)
    exports = _Exports()
    claims = _Claims()
    shared = not auth

    def index() -> Any:
        return open_index(config=config)

    # -- API (gr.api): the same answers as the UI, errors as {"error": …} ----------------------------------------

    def ask_api(question: str, place: list[str] | None = None, year: list[int] | None = None) -> dict[str, Any]:
        """Answer a question: text with [n] markers, citations with exact offsets, found flag, table."""
        try:
            years_ = [int(y) for y in year or []] or None
            return answer(question, place=place or None, year=years_, index=index(), config=config).to_dict()
        except CppccQaError as err:
            return {"error": str(err), "found": False, "text": "", "citations": []}
        except (TypeError, ValueError) as err:
            return {"error": f"Bad argument: {err}", "found": False, "text": "", "citations": []}

    def quote_api(phrase: str) -> list[dict[str, Any]] | dict[str, Any]:
        """Every exact occurrence of a phrase (or the nearest sentences, marked exact=false)."""
        try:
            return [q.to_dict() for q in find_quotes(phrase, index=index(), config=config)]
        except CppccQaError as err:
            return {"error": str(err)}

    def conversations_api(request: gr.Request) -> list[dict[str, Any]]:
        """The saved conversations of the caller (everyone's when the server has no login)."""
        return [{"id": c.id, "title": c.title, "created": c.created, "updated": c.updated}
                for c in store.conversations(_user(request))]

    def conversation_api(conversation_id: str, request: gr.Request) -> dict[str, Any]:
        """One saved conversation of the caller: its turns (question and answer dict)."""
        conv = store.conversation(_user(request), str(conversation_id))
        if conv is None:
            return {"error": "No such conversation."}
        return {"id": conv.id, "title": conv.title, "created": conv.created, "updated": conv.updated,
                "turns": conv.turns}

    # -- views --------------------------------------------------------------------------------------------------

    def conv_choices(user: str) -> list[tuple[str, str]]:
        return [(f"{c.title} · {c.updated[5:16]}", c.id) for c in store.conversations(user)]

    def export_files(turns: list[tuple[str, Answer]]) -> dict[str, str]:
        if not turns:
            return {}
        folder = exports.new_dir()
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

    def view(turns: list[tuple[str, Answer]], *, warning: str | None = None) -> dict[Any, Any]:
        """Everything that shows a conversation: the chat, sources, comparison chart and downloads."""
        last = turns[-1][1] if turns else None
        files = export_files(turns)
        out: dict[Any, Any] = {
            chat: conversation_html(turns, shared=shared, warning=warning),
            sources: sources_html(index(), last, len(turns) - 1),
        }
        for key, button in downloads.items():
            out[button] = gr.update(value=files.get(key), visible=key in files)
        if last is not None and last.table:
            bars, value_title = chart_rows(last.table)
            frame = pd.DataFrame(bars)
            out[cmp_group] = gr.update(visible=True)
            out[chart] = gr.update(value=frame, x_title=value_title, label=f"对比 · Comparison — {value_title}",
                                   height=120 + 40 * len(bars))
        else:
            out[cmp_group] = gr.update(visible=False)
            out[chart] = gr.update(value=None)
        return out

    # -- handlers -----------------------------------------------------------------------------------------------

    def accept(question: str, turns: list[tuple[str, Answer]], busy: float) -> dict[Any, Any]:
        """Outside the queue: refuse bad input at once; otherwise take the question and clear the box.

        The question waits in ``pending`` with a token: whichever queued ``respond`` runs first claims it, so a
        second Enter pressed while an answer is on its way neither loses nor repeats the first question."""
        if busy and time.time() - busy < BUSY_SECONDS:
            return {status: "<div class='warn' role='status'>上一个问题还在回答中，您的问题保留在输入框里。"
                            "Still answering the previous question; yours stays in the box.</div>"}
        try:
            text = clean_question(question)
        except CppccQaError as err:
            return {status: f"<div class='warn' role='alert'>⚠️ {_esc(str(err))}</div>"}
        return {status: "", pending: (uuid.uuid4().hex, text), busy_state: time.time(), box: "",
                chat: conversation_html(turns, pending=text, shared=shared)}

    def respond(waiting: tuple[str, str] | None, turns: list[tuple[str, Answer]], conv_id: str | None,
                place: list[str] | None, year: list[str] | None, request: gr.Request) -> Iterator[dict[Any, Any]]:
        if not waiting or not claims.claim(waiting[0]):  # refused by ``accept``, or already being answered
            yield {}
            return
        question = waiting[1]
        turns = list(turns or [])
        history: list[object] = [q for q, _ in turns]
        try:
            result = answer(question, place=place or None, year=[int(y) for y in year or []] or None,
                            history=history, index=index(), config=config)
        except CppccQaError as err:
            yield {**view(turns), status: f"<div class='warn' role='alert'>⚠️ {_esc(str(err))}</div>",
                   pending: None, busy_state: 0.0}
            return
        except Exception as err:  # never a traceback in the page; the server log has it
            log.exception("answer failed for %r", question)
            yield {**view(turns), status: "<div class='warn' role='alert'>⚠️ 内部错误，请稍后再试 · Internal error "
                                          f"({_esc(type(err).__name__)}); please try again.</div>",
                   pending: None, busy_state: 0.0}
            return
        from .viewer import display_text

        size = len(display_text(result))
        step = max(8, size // STREAM_STEPS)
        for upto in range(step, size, step):
            yield {chat: conversation_html(turns, streaming=(question, result, upto), shared=shared)}
            time.sleep(STREAM_PAUSE)
        turns = [*turns, (question, result)]
        user = _user(request)
        note = ""
        try:
            conv_id = store.save_turn(user, conv_id, question, result)
        except CppccQaError as err:
            note = f"<div class='warn' role='status'>⚠️ 对话未能保存 · Not saved: {_esc(str(err))}</div>"
        yield {**view(turns), turns_state: turns, conv_state: conv_id, pending: None, busy_state: 0.0,
               status: note, conv_list: gr.update(choices=conv_choices(user), value=conv_id),
               conv_title: _title_of(user, conv_id), fb_group: gr.update(visible=False)}

    def _title_of(user: str, conv_id: str | None) -> str:
        if not conv_id:
            return ""
        conv = store.conversation(user, conv_id)
        return conv.title if conv else ""

    def open_ref(turns: list[tuple[str, Answer]], quotes: list[Quote], evt: gr.EventData) -> dict[Any, Any]:
        """Open the source viewer on what a clicked marker, card or quote refers to."""
        try:
            kind, a, b = parse_ref(getattr(evt, "_data", {}).get("ref"))
            if kind == "q":
                q = quotes[a - 1]
                html = document_html(index(), q.source, q.start, q.end, q.text, f"[{a}]")
            else:
                _, result = turns[a]
                if kind == "p":
                    p = result.passages[b - 1]
                    html = document_html(index(), p.source, p.start, p.end, "", f"({b})")
                else:
                    cite = next((c for c in result.citations if c.marker == b), None)
                    if cite is not None:
                        html = document_html(index(), cite.source, cite.start, cite.end, cite.quote, f"[{b}]")
                    else:
                        row = next(r for r in result.table if r.marker == b)
                        html = document_html(index(), row.source, row.start, row.end, "", f"[{b}]")
        except (ValueError, IndexError, StopIteration, TypeError, AttributeError):
            html = "<div class='warn'>⚠️ 找不到这条来源 · This source is not available any more.</div>"
        return {viewer: html, viewer_panel: gr.update(visible=True)}

    def feedback_open(turns: list[tuple[str, Answer]], evt: gr.EventData) -> dict[Any, Any]:
        try:
            turn_s, rating_s = str(getattr(evt, "_data", {}).get("ref")).split(":")
            turn, rating = int(turn_s), int(rating_s)
            if rating not in (1, -1) or not 0 <= turn < len(turns):
                raise ValueError
        except (ValueError, TypeError):
            return {}
        mark = "👍 有帮助 · helpful" if rating > 0 else "👎 有错误 · wrong"
        return {fb_target: (turn, rating), fb_group: gr.update(visible=True), fb_comment: "",
                fb_label: f"对第 {turn + 1} 个回答的反馈 · Feedback on answer {turn + 1}: **{mark}**"}

    def feedback_send(target: tuple[int, int] | None, comment: str, turns: list[tuple[str, Answer]],
                      conv_id: str | None, request: gr.Request) -> dict[Any, Any]:
        if not target:
            return {fb_group: gr.update(visible=False)}
        turn, rating = target
        try:
            result = turns[turn][1]
            store.add_feedback(rating, result, (comment or "").strip(), _user(request), conv_id or "")
        except (IndexError, CppccQaError) as err:
            return {status: f"<div class='warn' role='alert'>⚠️ {_esc(str(err))}</div>"}
        return {fb_group: gr.update(visible=False), fb_target: None,
                status: "<div class='ok' role='status'>✓ 已记录反馈，谢谢 · Feedback recorded, thank you.</div>"}

    def still_busy(busy: float, current: str | None) -> dict[Any, Any] | None:
        """Switching conversations while an answer streams would mix them up: say so and stay."""
        if busy and time.time() - busy < BUSY_SECONDS:
            return {conv_msg: "⚠️ 请等当前回答完成 · Wait for the current answer to finish.",
                    conv_list: gr.update(value=current)}
        return None

    def new_conversation(busy: float = 0.0, current: str | None = None) -> dict[Any, Any]:
        if (refused := still_busy(busy, current)) is not None:
            return refused
        return {**view([]), turns_state: [], conv_state: None, conv_list: gr.update(value=None), conv_title: "",
                status: "", fb_group: gr.update(visible=False), del_confirm: gr.update(visible=False), conv_msg: ""}

    def open_conversation(conv_id: str | None, busy: float, current: str | None,
                          request: gr.Request) -> dict[Any, Any]:
        if (refused := still_busy(busy, current)) is not None:
            return refused
        if not conv_id:
            return {}
        conv = store.conversation(_user(request), str(conv_id))
        if conv is None:
            return {status: "<div class='warn' role='alert'>⚠️ 找不到这个对话 · No such conversation.</div>"}
        turns = []
        for t in conv.turns:
            try:
                turns.append((str(t["question"]), answer_from_dict(t["answer"])))
            except (KeyError, TypeError, ValueError):
                continue
        return {**view(turns), turns_state: turns, conv_state: conv.id, conv_title: conv.title, status: "",
                fb_group: gr.update(visible=False), del_confirm: gr.update(visible=False), conv_msg: ""}

    def rename_conversation(conv_id: str | None, title: str, request: gr.Request) -> dict[Any, Any]:
        user = _user(request)
        if not conv_id:
            return {conv_msg: "⚠️ 请先选择一个对话 · Choose a conversation first."}
        try:
            ok = store.rename(user, conv_id, title)
        except CppccQaError as err:
            return {conv_msg: f"⚠️ {err}"}
        if not ok:
            return {conv_msg: "⚠️ 找不到这个对话 · No such conversation."}
        return {conv_list: gr.update(choices=conv_choices(user), value=conv_id), conv_msg: "✓ 已重命名 · Renamed."}

    def ask_delete(conv_id: str | None) -> dict[Any, Any]:
        if not conv_id:
            return {conv_msg: "⚠️ 请先选择一个对话 · Choose a conversation first."}
        return {del_confirm: gr.update(visible=True), conv_msg: "确认删除这个对话？· Delete this conversation?"}

    def delete_conversation(conv_id: str | None, busy: float, request: gr.Request) -> dict[Any, Any]:
        if (refused := still_busy(busy, conv_id)) is not None:
            return refused
        user = _user(request)
        ok = bool(conv_id) and store.delete(user, str(conv_id))
        out = new_conversation()
        out[conv_list] = gr.update(choices=conv_choices(user), value=None)
        out[conv_msg] = "✓ 已删除 · Deleted." if ok else "⚠️ 找不到这个对话 · No such conversation."
        return out

    def on_load(request: gr.Request) -> dict[Any, Any]:
        user = _user(request)
        who = WHO_PRIVATE.format(user=_esc(user).replace("*", "\\*").replace("_", "\\_")) if user else WHO_SHARED
        return {conv_list: gr.update(choices=conv_choices(user), value=None), conv_who: who}

    def find(phrase: str) -> dict[Any, Any]:
        try:
            quotes = find_quotes(phrase, index=index(), config=config)
        except CppccQaError as err:
            return {found: f"<div class='warn' role='alert'>⚠️ {_esc(str(err))}</div>", cites: "", quotes_state: [],
                    quote_pick: gr.update(choices=[], value=[]), quote_exports: gr.update(visible=False)}
        lines = "\n".join(q.citation for q in quotes)
        choices = [(f"[{n}] {q.place} · 第{q.where.paragraph}段", n) for n, q in enumerate(quotes, 1)]
        return {found: quotes_html(quotes), cites: lines, quotes_state: quotes, phrase_state: phrase.strip(),
                quote_pick: gr.update(choices=choices, value=[]), quote_exports: gr.update(visible=bool(quotes)),
                **quote_files(quotes, phrase.strip(), [])}

    def quote_files(quotes: list[Quote], phrase: str, picked: list[int] | None) -> dict[Any, Any]:
        chosen = [quotes[n - 1] for n in sorted(set(picked or [])) if 0 < n <= len(quotes)] or list(quotes)
        if not chosen:
            return {}
        folder = exports.new_dir()
        stamp = _stamp()
        md = folder / f"cppcc-qa-quotes-{stamp}.md"
        md.write_text(quotes_markdown(chosen, phrase), encoding="utf-8")
        docx_path = quotes_docx(chosen, folder / f"cppcc-qa-quotes-{stamp}.docx", phrase)
        label = f"（{len(chosen)} 条 · {len(chosen)} quote(s)）"
        return {dl_quotes_docx: gr.update(value=str(docx_path), label=f"Word .docx {label}"),
                dl_quotes_md: gr.update(value=str(md), label=f"Markdown .md {label}")}

    def on_pick(quotes: list[Quote], phrase: str, picked: list[int]) -> dict[Any, Any]:
        return quote_files(quotes, phrase, picked)

    # -- layout -------------------------------------------------------------------------------------------------

    with gr.Blocks(title=TITLE, delete_cache=(3600, 6 * 3600)) as app:
        turns_state = gr.State([])
        conv_state = gr.State(None)
        pending = gr.State(None)
        busy_state = gr.State(0.0)
        fb_target = gr.State(None)
        quotes_state = gr.State([])
        phrase_state = gr.State("")

        with gr.Sidebar(open=True, width=300, elem_id="sidebar"):
            gr.Markdown("### 对话 · Conversations")
            conv_who = gr.Markdown(WHO_PRIVATE.format(user="…") if auth else WHO_SHARED, elem_id="conv-who")
            new_btn = gr.Button("＋ 新对话 · New conversation", elem_id="new-conv", size="sm")
            conv_list = gr.Radio(choices=[], label="已保存的对话 · Saved conversations", elem_id="conv-list")
            conv_title = gr.Textbox(label="名称 · Name", elem_id="conv-title", max_lines=1)
            with gr.Row():
                rename_btn = gr.Button("重命名 · Rename", elem_id="conv-rename", size="sm")
                del_btn = gr.Button("删除 · Delete", elem_id="conv-delete", size="sm", variant="stop")
            del_confirm = gr.Button("确认删除 · Confirm delete", elem_id="conv-delete-confirm", size="sm",
                                    variant="stop", visible=False)
            conv_msg = gr.Markdown(elem_id="conv-msg")

        gr.Markdown(f"## {TITLE}\n答案均摘自报告原文并标注来源；点击 [n] 查看原文。"
                    "Answers quote the reports and cite each source; click [n] to read it in the document.")
        with gr.Tab("问答 · Ask", elem_id="tab-ask"), gr.Row(equal_height=False):
            with gr.Column(scale=3, min_width=320):
                chat = gr.HTML(conversation_html([], shared=shared), elem_id="chat", js_on_load=PANEL_JS,
                               max_height=620, autoscroll=True, min_height=160)
                with gr.Column(visible=False, elem_id="feedback", elem_classes=["panel"]) as fb_group:
                    fb_label = gr.Markdown()
                    fb_comment = gr.Textbox(label="意见（可选）· Comment (optional)", lines=2, max_lines=6,
                                            elem_id="fb-comment")
                    with gr.Row():
                        fb_send = gr.Button("发送反馈 · Send feedback", variant="primary", size="sm",
                                            elem_id="fb-send")
                        fb_cancel = gr.Button("取消 · Cancel", size="sm", elem_id="fb-cancel")
                with gr.Row(equal_height=True):
                    box = gr.Textbox(placeholder="输入问题，回车提问 · Ask in Chinese or English; Enter sends",
                                     show_label=False, scale=5, min_width=200, lines=1, max_lines=5,
                                     elem_id="question", autofocus=True, submit_btn=False)
                    send = gr.Button("提问 · Ask", variant="primary", scale=1, min_width=90, elem_id="ask-btn")
                status = gr.HTML("", elem_id="status")
                with gr.Row():
                    pick = gr.Dropdown(choices=places, multiselect=True, label="地区 · Place",
                                       elem_id="place-filter", scale=3, min_width=180)
                    year_pick = gr.Dropdown(choices=[str(y) for y in years], multiselect=True,
                                            label="年份 · Year", elem_id="year-filter", scale=1, min_width=120)
                with gr.Row(elem_id="exports"):
                    downloads = {
                        "answer_docx": gr.DownloadButton("回答 Word · Answer .docx", elem_id="dl-answer-docx",
                                                         visible=False, size="sm"),
                        "answer_md": gr.DownloadButton("回答 Markdown · Answer .md", elem_id="dl-answer-md",
                                                       visible=False, size="sm"),
                        "conv_docx": gr.DownloadButton("整个对话 Word · Conversation .docx",
                                                       elem_id="dl-conv-docx", visible=False, size="sm"),
                        "conv_md": gr.DownloadButton("整个对话 Markdown · Conversation .md",
                                                     elem_id="dl-conv-md", visible=False, size="sm"),
                    }
                gr.Examples(EXAMPLES, inputs=box, label="示例问题 · Examples")
            with gr.Column(scale=2, min_width=300):
                with gr.Column(visible=False, elem_id="comparison", elem_classes=["panel"]) as cmp_group:
                    chart = gr.BarPlot(None, x="value", y="label", x_title="数值 Value", y_title=" ",
                                       x_lim=[0, None], sort=None,
                                       tooltip=["place", "counted", "as_written", "unit", "year"],
                                       label="对比 · Comparison", elem_id="chart", height=220)
                    downloads["csv"] = gr.DownloadButton("下载表格 CSV · Table .csv", elem_id="dl-csv",
                                                         visible=False, size="sm")
                gr.Markdown("### 来源 · Sources")
                sources = gr.HTML(sources_html(None, None, 0), elem_id="sources", js_on_load=PANEL_JS)
        with gr.Tab("找原文 · Find quote", elem_id="tab-quote"):
            with gr.Row(equal_height=True):
                phrase = gr.Textbox(placeholder="输入原文片段，如：郑委员超市 · Type a phrase", show_label=False,
                                    scale=5, min_width=200, elem_id="phrase", max_lines=3)
                go = gr.Button("查找 · Find", variant="primary", scale=1, min_width=90, elem_id="find-btn")
            found = gr.HTML(elem_id="quotes", js_on_load=PANEL_JS)
            cites = gr.Textbox(label="引用（可复制）· Citation lines to copy", lines=4, buttons=["copy"],
                               elem_id="citations", interactive=False)
            with gr.Column(visible=False, elem_id="quote-exports", elem_classes=["panel"]) as quote_exports:
                quote_pick = gr.CheckboxGroup(choices=[], label="导出哪些（不选即全部）· Quotes to export (none = all)",
                                              elem_id="quote-pick")
                with gr.Row():
                    dl_quotes_docx = gr.DownloadButton("Word .docx", elem_id="dl-quotes-docx", size="sm")
                    dl_quotes_md = gr.DownloadButton("Markdown .md", elem_id="dl-quotes-md", size="sm")

        with gr.Column(visible=False, elem_id="viewer-panel") as viewer_panel:
            with gr.Row(equal_height=True):
                gr.Markdown("### 原文 · Source document")
                close = gr.Button("关闭 · Close (Esc)", size="sm", elem_id="viewer-close", scale=0, min_width=120)
            viewer = gr.HTML("", elem_id="viewer", js_on_load=VIEWER_JS)

        # -- events -------------------------------------------------------------------------------------------
        private: dict[str, Any] = {"api_visibility": "private"}
        ask_outputs = [box, chat, status, pending, busy_state]
        view_outputs = [chat, sources, cmp_group, chart, *downloads.values()]
        respond_outputs = [*view_outputs, status, turns_state, conv_state, pending, busy_state, conv_list, conv_title,
                           fb_group]
        for trigger in (box.submit, send.click):
            trigger(accept, [box, turns_state, busy_state], ask_outputs, queue=False, show_progress="hidden",
                    trigger_mode="multiple", **private).then(
                respond, [pending, turns_state, conv_state, pick, year_pick], respond_outputs,
                show_progress="hidden", **private)

        for panel in (chat, sources, found):
            panel.open(open_ref, [turns_state, quotes_state], [viewer, viewer_panel], queue=False,
                       show_progress="hidden", **private).then(None, js=SCROLL_JS, **private)
        chat.feedback(feedback_open, [turns_state], [fb_target, fb_group, fb_comment, fb_label], queue=False,
                      **private)
        fb_send.click(feedback_send, [fb_target, fb_comment, turns_state, conv_state],
                      [fb_group, fb_target, status], queue=False, **private)
        fb_cancel.click(lambda: (gr.update(visible=False), None), None, [fb_group, fb_target], queue=False, **private)
        close.click(lambda: gr.update(visible=False), None, viewer_panel, queue=False, **private).then(
            None, js="() => { const q = document.querySelector('#question textarea'); if (q) q.focus(); }", **private)

        conv_outputs = [*view_outputs, turns_state, conv_state, conv_list, conv_title, status, fb_group, del_confirm]
        new_btn.click(new_conversation, [busy_state, conv_state], [*conv_outputs, conv_msg], queue=False, **private)
        conv_list.input(open_conversation, [conv_list, busy_state, conv_state], [*conv_outputs, conv_msg],
                        queue=False, **private)
        rename_btn.click(rename_conversation, [conv_state, conv_title], [conv_list, conv_msg], queue=False, **private)
        conv_title.submit(rename_conversation, [conv_state, conv_title], [conv_list, conv_msg], queue=False, **private)
        del_btn.click(ask_delete, [conv_state], [del_confirm, conv_msg], queue=False, **private)
        del_confirm.click(delete_conversation, [conv_state, busy_state], [*conv_outputs, conv_msg], queue=False,
                          **private)
        app.load(on_load, None, [conv_list, conv_who], queue=False, show_progress="hidden", **private)

        quote_outputs = [found, cites, quotes_state, phrase_state, quote_pick, quote_exports, dl_quotes_docx,
                         dl_quotes_md]
        go.click(find, phrase, quote_outputs, **private)
        phrase.submit(find, phrase, quote_outputs, **private)
        quote_pick.input(on_pick, [quotes_state, phrase_state, quote_pick], [dl_quotes_docx, dl_quotes_md],
                         queue=False, **private)

        gr.api(ask_api, api_name="ask")
        gr.api(quote_api, api_name="find_quote")
        gr.api(conversations_api, api_name="conversations", queue=False)
        gr.api(conversation_api, api_name="conversation", queue=False)
    return app


def _esc(text: str) -> str:
    from .viewer import esc

    return esc(text)


def serve(config: Config, host: str = "127.0.0.1", port: int = 7860, auth: list[str] | None = None) -> int:
    """``cppcc-qa serve``: open (or build) the index, warm up, then serve until Ctrl+C. Returns the exit code."""
    from .abstain import warm_up
    from .service import open_index

    creds = parse_auth(auth)
    print(f"Opening the index {config.index} (built from {config.corpus} first if missing or out of date)…",
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
    try:
        while app.is_running:
            time.sleep(0.2)
    except KeyboardInterrupt:
        print("Stopping…", file=sys.stderr, flush=True)
    finally:
        app.close()
    return 0
