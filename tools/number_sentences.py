"""List every sentence of a plan that prints a number (years aside), with its line: the reading list
from which the hand-checked target lists in tests/data/targets/ were written.

    python tools/number_sentences.py PLAN [FROM_LINE]
"""

from __future__ import annotations

import re
import sys


def main(argv: list[str]) -> int:
    path = argv[1]
    first = int(argv[2]) if len(argv) > 2 else 0
    with open(path, encoding="utf-8") as fh:
        lines = fh.read().replace("\r\n", "\n").split("\n")
    for n, line in enumerate(lines, start=1):
        if n < first or line.lstrip().startswith("- ") or "![" in line:
            continue  # a table of contents entry, an image
        line = re.sub(r"(?<=\d) (?=[\d%‰.])", "", line)  # OCR-spaced digits: 2 0 0 5
        for sentence in re.findall(r"[^。；！？]*\d[^。；！？]*[。；！？]?", line):
            if re.search(r"\d", re.sub(r"(19|20)\d\d\s*年", "", sentence)):
                print(f"{n}: {sentence.strip()}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
