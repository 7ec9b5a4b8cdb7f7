"""Start the chat UI from a checkout: ``python app/app.py`` (same as ``cppcc-qa serve``)."""

from __future__ import annotations

import sys

from cppcc_qa.cli import main

if __name__ == "__main__":
    sys.exit(main(["serve", *sys.argv[1:]]))
