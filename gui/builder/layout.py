"""Auto-layout: the library picks each node's column (topological depth) and its place in the
column; the canvas spaces columns and rows by the real sizes of the boxes."""

from __future__ import annotations

from collections import defaultdict

COLUMN_GAP = 60.0  # the least room between columns, whatever the labels
ROW_GAP = 36.0


def layered_positions(spec, sizes: dict, gaps: dict | None = None) -> dict:
    """Top-left position of every node: one column per depth, one row per rank in the column.

    Rows share one pitch across the graph, so a chain of boxes of different heights lines up
    at the top and its wires run straight. ``gaps`` is the room each node's outgoing wires
    need (their shape labels); the gap after a column is the largest of its nodes'."""
    gaps = gaps or {}
    grid = spec.copy()
    grid.auto_layout(dx=1.0, dy=1.0)  # x: column index; y: rank in the column (0, ±0.5, ±1...)
    pitch = max((h for _, h in sizes.values()), default=80.0) + ROW_GAP
    columns: dict[int, list] = defaultdict(list)
    for node in grid.nodes:
        columns[round(node.position[0])].append(node)
    positions = {}
    x = 0.0
    for column in (columns[d] for d in sorted(columns)):
        width = max(sizes[n.id][0] for n in column)
        for node in column:
            w = sizes[node.id][0]
            positions[node.id] = (x + (width - w) / 2, node.position[1] * pitch)  # narrow: centred
        x += width + max([COLUMN_GAP] + [gaps.get(n.id, 0.0) for n in column])
    return positions


def overlapping(rects: dict[str, tuple[float, float, float, float]], margin: float = 20.0) -> bool:
    """True if any two boxes (x, y, w, h) come closer than ``margin``: time to lay out again."""
    boxes = list(rects.values())
    for i, (x1, y1, w1, h1) in enumerate(boxes):
        for x2, y2, w2, h2 in boxes[i + 1 :]:
            if x1 < x2 + w2 + margin and x2 < x1 + w1 + margin:
                if y1 < y2 + h2 + margin and y2 < y1 + h1 + margin:
                    return True
    return False
