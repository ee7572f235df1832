"""The visual model builder: document with undo, node canvas, palette, inspector."""
