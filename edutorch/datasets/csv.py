"""``CSVDataset``: a table from a CSV file, one sample per row, read with the ``csv`` module.

Errors name the file, the row as a spreadsheet or text editor numbers it (the header is row 1),
the column and the value, because the person reading them is usually fixing the file by hand.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from ._base import ArrayDataset


class CSVError(ValueError):
    """A CSV file that cannot be read as a dataset; the message says where and why."""


def _parse_number(text):
    try:
        return float(text)
    except ValueError:
        return None


class CSVDataset(ArrayDataset):
    """Item i is (x float32 (F,), y) from row i: x the ``feature_columns`` (default: every column
    but the label), y from ``label_column`` (a name or an index; default the last column).

    Labels: if ``categorical`` (default: when some label is not a number), y is an int64 class
    index () into ``.classes`` (the distinct labels, sorted: numerically if they are numbers);
    otherwise y is the float32 value, shape (1,), for regression and ``.classes`` is None.
    ``.data`` (N, F), ``.targets``, ``.feature_names``, ``.label_name``, ``.class_to_idx``.
    """

    def __init__(
        self,
        path,
        feature_columns=None,
        label_column=-1,
        header=True,
        delimiter=",",
        categorical=None,
        transform=None,
        target_transform=None,
        encoding="utf-8-sig",  # -sig: ignore the byte-order mark spreadsheet programs write
    ):
        self.path = Path(path)
        rows = self._read_rows(delimiter, encoding)
        if header:
            names, rows = [c.strip() for c in rows[0][1]], rows[1:]
            if not rows:
                raise CSVError(f"{self.path}: the file has a header row but no data rows")
        else:
            names = [str(i) for i in range(len(rows[0][1]))]
        self._names, self._header = names, header

        label = self._column(label_column)
        if feature_columns is None:
            features = [i for i in range(len(names)) if i != label]
        else:
            features = [self._column(c) for c in feature_columns]
        if not features:
            raise CSVError(f"{self.path}: no feature columns (the file has only the label column)")
        for line, row in rows:
            if len(row) != len(names):
                raise CSVError(
                    f"{self.path}, row {line}: {len(row)} values, but the "
                    f"{'header has' if header else 'first row has'} {len(names)} columns"
                )
        x = np.array([[self._number(r, line, c) for c in features] for line, r in rows], np.float32)

        raw = [(line, row[label].strip()) for line, row in rows]
        if categorical is None:
            categorical = any(_parse_number(v) is None for _, v in raw)
        if categorical:
            values = {v for _, v in raw}
            numeric = all(_parse_number(v) is not None for v in values)
            self.classes = sorted(values, key=float if numeric else None)
            self.class_to_idx = {c: i for i, c in enumerate(self.classes)}
            y = np.array([self.class_to_idx[v] for _, v in raw], dtype=np.int64)
        else:
            self.classes, self.class_to_idx = None, None
            hint = " (for labels that are names, leave categorical unset or True)"
            y = [[self._number(r, line, label, hint)] for line, r in rows]
            y = np.array(y, dtype=np.float32)
        super().__init__(x, y, transform, target_transform)
        self.feature_names = [names[c] for c in features]
        self.label_name = names[label]

    def _read_rows(self, delimiter, encoding):
        """[(line number, cells)] for the non-blank rows."""
        if not self.path.exists():
            raise FileNotFoundError(f"CSV file not found: {self.path}")
        with open(self.path, newline="", encoding=encoding) as f:
            reader = csv.reader(f, delimiter=delimiter)
            rows = [(reader.line_num, r) for r in reader if any(c.strip() for c in r)]
        if not rows:
            raise CSVError(f"{self.path}: the file is empty")
        return rows

    def _describe(self, index):
        name = self._names[index]
        return f"column {name!r}" if self._header else f"column {index} (counting from 0)"

    def _column(self, col):
        """Index of a column given by name or by (possibly negative) index."""
        n = len(self._names)
        if isinstance(col, str) and not self._header:
            raise CSVError(
                f"{self.path}: column {col!r} given by name, but header=False; "
                f"give columns by index (0 to {n - 1}) or use header=True"
            )
        if isinstance(col, str):
            if col not in self._names:
                listed = ", ".join(repr(c) for c in self._names)
                raise CSVError(f"{self.path}: no column named {col!r}; the columns are: {listed}")
            return self._names.index(col)
        if not -n <= col < n:
            raise CSVError(
                f"{self.path}: column index {col} is out of range; the file has {n} columns"
            )
        return col % n

    def _number(self, row, line, col, hint=""):
        text = row[col].strip()
        value = _parse_number(text)
        if value is None:
            what = "the value is empty" if not text else f"{text!r} is not a number"
            if not self._header and line == 1:
                hint = " (if this row holds column names, use header=True)"
            raise CSVError(f"{self.path}, row {line}, {self._describe(col)}: {what}{hint}")
        return value
