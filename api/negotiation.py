"""HTTP content negotiation: pick the best offered media type for an Accept header (RFC 9110 q-values)."""

from __future__ import annotations


def _ranges(accept: str) -> list[tuple[str, float, int]]:
    out = []
    for part in accept.split(","):
        bits = [b.strip() for b in part.split(";")]
        media = bits[0].lower()
        if not media:
            continue
        q = 1.0
        for b in bits[1:]:
            if b.lower().startswith("q="):
                try:
                    q = max(0.0, min(1.0, float(b[2:])))
                except ValueError:
                    q = 0.0
        specificity = 0 if media == "*/*" else 1 if media.endswith("/*") else 2
        out.append((media, q, specificity))
    return out


def choose(accept: str | None, offered: list[str]) -> str | None:
    """The offered type the client prefers most (ties go to the server's order), or None."""
    ranges = _ranges(accept or "*/*") or [("*/*", 1.0, 0)]
    best, best_q = None, 0.0
    for media in offered:
        # The most specific range that matches decides this type's quality.
        matches = [(spec, q) for r, q, spec in ranges
                   if r == media or r == "*/*" or (r.endswith("/*") and media.startswith(r[:-1]))]
        if not matches:
            continue
        q = max(matches)[1]
        if q > best_q:
            best, best_q = media, q
    return best
