"""Label placement for the partner map: labels never overlap each other, a dot or a leader line.

Greedy, by priority (the highlighted city, then the lead partner, then the most crowded cities
first, since they have the fewest free places). Each label tries the eight places around its
dot; when none is free it moves out along a leader line, trying rings of growing distance in
sixteen directions. A label that finds no place at all is left out (its dot still links to
the city, and the list below the map names it): overlapping is never the fallback.

Text is measured by estimate: the server cannot ask a font, so the width is the number of
characters times an average advance that errs wide for the sans-serif fonts of the
stylesheet (the browser test measures the real boxes).
"""

import math
import unicodedata
from dataclasses import dataclass

# Average advance of a character in em: DejaVu Sans Bold (system-ui on many Linux desktops)
# measured 0.69-0.70 on the demo's names; Segoe UI, Roboto and San Francisco are narrower.
ADVANCE = 0.7
BOLD_ADVANCE = 0.72
LINE_HEIGHT = 1.2  # box height in em: ascent plus descent of the usual sans-serif fonts
ASCENT = 0.93  # baseline below the top of the box, in em
PADDING = 2.0  # map units kept free around every label box
MAX_CHARACTERS = 24


@dataclass(frozen=True)
class Anchor:
    """What is to be labelled: a dot at (x, y) with radius r."""

    x: float
    y: float
    r: float
    text: str
    size: float
    bold: bool = False
    priority: int = 0  # lower goes first


@dataclass(frozen=True)
class Label:
    """A placed label: text at (x, y) with text-anchor ``anchor``; ``box`` is what it covers."""

    x: float
    y: float
    anchor: str  # "start", "middle" or "end"
    text: str
    box: tuple  # (x0, y0, x1, y1)
    leader: tuple | None = None  # (x1, y1, x2, y2) from the dot's edge to the label


def shorten(text):
    text = unicodedata.normalize("NFC", str(text))
    return text if len(text) <= MAX_CHARACTERS else text[: MAX_CHARACTERS - 1].rstrip() + "…"


def text_width(text, size, bold=False):
    letters = sum(1 for c in text if not unicodedata.combining(c))
    return letters * size * (BOLD_ADVANCE if bold else ADVANCE)


def intersects(a, b, padding=0.0):
    return not (
        a[2] + padding <= b[0]
        or b[2] + padding <= a[0]
        or a[3] + padding <= b[1]
        or b[3] + padding <= a[1]
    )


def segment_hits_box(segment, box):
    """Whether the segment crosses the box (Liang-Barsky clipping)."""
    x1, y1, x2, y2 = segment
    dx, dy = x2 - x1, y2 - y1
    t0, t1 = 0.0, 1.0
    for p, q in ((-dx, x1 - box[0]), (dx, box[2] - x1), (-dy, y1 - box[1]), (dy, box[3] - y1)):
        if p == 0:
            if q < 0:
                return False
            continue
        t = q / p
        if p < 0:
            t0 = max(t0, t)
        else:
            t1 = min(t1, t)
        if t0 > t1:
            return False
    return True


def _box_at(px, py, dx, dy, width, height):
    """A box whose side or corner nearest to the dot lies at (px, py), in direction (dx, dy)."""
    if dx > 0.3:
        x0, anchor = px, "start"
    elif dx < -0.3:
        x0, anchor = px - width, "end"
    else:
        x0, anchor = px - width / 2, "middle"
    if dy > 0.3:
        y0 = py
    elif dy < -0.3:
        y0 = py - height
    else:
        y0 = py - height / 2
    return (x0, y0, x0 + width, y0 + height), anchor


# Around the dot: right and left first (they read best), then above, below, the diagonals.
D = 0.71  # a diagonal's unit step
NEAR = [(1, 0), (-1, 0), (0, -1), (0, 1), (D, -D), (-D, -D), (D, D), (-D, D)]
FAR = [(math.cos(a * math.pi / 8), math.sin(a * math.pi / 8)) for a in range(16)]


def place_labels(anchors, width, height):
    """Labels for ``anchors`` inside a width x height map, in the order of ``anchors``.

    Returns a list with a Label, or None where no free place was found.
    """
    dots = [(a.x - a.r, a.y - a.r, a.x + a.r, a.y + a.r) for a in anchors]
    crowding = [
        sum(1 for b in anchors if math.hypot(a.x - b.x, a.y - b.y) < a.size * 6) for a in anchors
    ]
    order = sorted(range(len(anchors)), key=lambda i: (anchors[i].priority, -crowding[i], i))
    boxes, leaders = [], []
    labels = [None] * len(anchors)

    def free(box, own, leader=None):
        if box[0] < 1 or box[1] < 1 or box[2] > width - 1 or box[3] > height - 1:
            return False
        if any(intersects(box, other, PADDING) for other in boxes):
            return False
        if any(intersects(box, dot, PADDING) for i, dot in enumerate(dots) if i != own):
            return False
        if any(segment_hits_box(line, box) for line in leaders):
            return False
        # A leader may pass over a dot (in a dense cluster every way out does), never a label.
        return leader is None or not any(segment_hits_box(leader, other) for other in boxes)

    for i in order:
        a = anchors[i]
        text = shorten(a.text)
        w, h = text_width(text, a.size, a.bold), a.size * LINE_HEIGHT
        gap = a.r + PADDING + 1
        found = None
        for dx, dy in NEAR:
            box, anchor = _box_at(a.x + dx * gap, a.y + dy * gap, dx, dy, w, h)
            if free(box, i):
                found = (box, anchor, None)
                break
        distance = gap + h
        while found is None and distance < max(width, height) / 2:
            for dx, dy in FAR:
                px, py = a.x + dx * distance, a.y + dy * distance
                box, anchor = _box_at(px, py, dx, dy, w, h)
                leader = (a.x + dx * a.r, a.y + dy * a.r, px, py)
                if free(box, i, leader):
                    found = (box, anchor, leader)
                    break
            distance += h
        if found is None:
            continue
        box, anchor, leader = found
        x = {"start": box[0], "middle": (box[0] + box[2]) / 2, "end": box[2]}[anchor]
        labels[i] = Label(
            x=round(x, 1),
            y=round(box[1] + a.size * ASCENT, 1),
            anchor=anchor,
            text=text,
            box=tuple(round(v, 1) for v in box),
            leader=tuple(round(v, 1) for v in leader) if leader else None,
        )
        boxes.append(box)
        if leader:
            leaders.append(leader)
    return labels
