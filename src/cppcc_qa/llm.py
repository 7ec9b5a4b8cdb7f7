"""Optional generative answers through an OpenAI-compatible chat endpoint (off unless configured)."""

from __future__ import annotations

import os

from . import config


def configured() -> bool:
    return bool(os.environ.get(config.ENV_LLM_URL) and os.environ.get(config.ENV_LLM_MODEL))


def generate(extractive, retriever):
    """Not yet wired: returns the extractive answer unchanged (see issue on generative answers)."""
    return extractive
