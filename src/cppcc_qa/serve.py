"""``cppcc-qa serve``: build the index if needed, then start the chat UI."""

from __future__ import annotations

import sys


def serve(corpus=None, index=None, model=None, host: str = "127.0.0.1", port: int = 7860, auth: str | None = None) -> int:
    from .abstain import warm_up
    from .retrieve import get_retriever
    from .ui import build_app, launch

    r = get_retriever(index, corpus, model)  # builds a missing or stale index, loads model and index once
    print(f"Loaded {r.manifest['counts']['chunks']} chunks from {r.manifest['counts']['files']} file(s). "
          f"Open http://{host}:{port}", file=sys.stderr)
    warm_up()
    launch(build_app(corpus, index, model), host=host, port=port, auth=auth)
    return 0
