"""``DataPanel``: choose the data (a built-in set, a CSV file, an image folder) and preview it.

All loading goes through ``edutorch.training.load_data``; the panel only edits its settings dict
and shows the result (or the loader's error, which names the file and row).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from edutorch import datasets
from edutorch.training import DataError, load_data
from edutorch.training.data import parameters_of

from .previews import ImageGridView, PointsView, TableView

FILES = {"csv": "CSV file…", "image_folder": "Image folder…"}
PREVIEW_IMAGES = 32


class DataPanel(QWidget):
    """Data source, its settings, a preview, and a clear message when loading fails.

    ``settings()`` / ``set_settings(d)`` are the dict the project file stores; ``data()`` is
    (train, test, DataInfo) or None; ``dataChanged`` fires after every successful load.
    """

    dataChanged = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self._data = None
        self._error = ""
        self._loading = False
        self._debounce = QTimer(self, singleShot=True, interval=250)
        self._debounce.timeout.connect(self.reload)
        self._build()
        self.set_settings({"name": "spiral"})

    # ------------------------------------------------------------------ widgets
    def _build(self):
        self.source = QComboBox()
        for name, info in datasets.available().items():
            self.source.addItem(name, name)
            self.source.setItemData(self.source.count() - 1, info.description, Qt.ToolTipRole)
        for key, text in FILES.items():
            self.source.addItem(text, key)
        self.n_samples = _spin(QSpinBox(), 10, 100_000, 300)
        self.noise = _spin(QDoubleSpinBox(), 0.0, 5.0, 0.05, step=0.01, decimals=3)
        self.seed = _spin(QSpinBox(), 0, 2**31 - 1, 0)
        self.test_fraction = _spin(QDoubleSpinBox(), 0.05, 0.9, 0.2, step=0.05, decimals=2)
        self.path = QLineEdit(placeholderText="path of a file or folder")
        self.browse = QPushButton("Browse…")
        self.label_column = QLineEdit(placeholderText="last column")
        self.image_size = _spin(QSpinBox(), 8, 128, 28)
        path_row = QHBoxLayout()
        path_row.addWidget(self.path, 1)
        path_row.addWidget(self.browse)
        self.path_box = QWidget()
        self.path_box.setLayout(path_row)
        path_row.setContentsMargins(0, 0, 0, 0)

        form = QFormLayout()
        form.addRow("Data", self.source)
        form.addRow("File", self.path_box)
        form.addRow("Label column", self.label_column)
        form.addRow("Image size", self.image_size)
        form.addRow("Samples", self.n_samples)
        form.addRow("Noise", self.noise)
        form.addRow("Test fraction", self.test_fraction)
        form.addRow("Seed", self.seed)
        self.form = form
        self.summary = QLabel(wordWrap=True)
        self.error = QLabel(wordWrap=True, objectName="dataError")
        self.error.setStyleSheet("color: #b00020; font-weight: bold")
        self.points, self.images, self.table = PointsView(), ImageGridView(), TableView()
        self.preview = QStackedWidget()
        for view in (self.points, self.images, self.table):
            self.preview.addWidget(view)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.summary)
        layout.addWidget(self.error)
        layout.addWidget(self.preview, 1)

        self.source.currentIndexChanged.connect(self._source_changed)
        for spin in (self.n_samples, self.noise, self.seed, self.test_fraction, self.image_size):
            spin.valueChanged.connect(self._schedule)
        self.path.editingFinished.connect(self.reload)
        self.label_column.editingFinished.connect(self.reload)
        self.browse.clicked.connect(self._browse)

    def _show_rows(self, name):
        file_source = name in FILES
        accepted = {} if file_source else parameters_of(name)
        for widget, shown in (
            (self.path_box, file_source), (self.label_column, name == "csv"),
            (self.image_size, name == "image_folder"),
            (self.n_samples, "n_samples" in accepted), (self.noise, "noise" in accepted),
        ):  # fmt: skip
            widget.setVisible(shown)
            self.form.labelForField(widget).setVisible(shown)

    # ------------------------------------------------------------------ settings
    def settings(self) -> dict:
        """The data settings as a plain dict (what ``load_data`` and the project file take)."""
        name = self.source.currentData()
        d = {"name": name, "seed": self.seed.value(),
             "test_fraction": round(self.test_fraction.value(), 4)}  # fmt: skip
        if name in FILES:
            d["path"] = self.path.text().strip()
            if name == "csv" and self.label_column.text().strip():
                text = self.label_column.text().strip()
                d["label_column"] = int(text) if text.lstrip("-").isdigit() else text
            if name == "image_folder":
                d["size"] = self.image_size.value()
            return d
        accepted = parameters_of(name)
        if "n_samples" in accepted:
            d["n_samples"] = self.n_samples.value()
        if "noise" in accepted:
            d["noise"] = round(self.noise.value(), 4)
        return d

    def set_settings(self, settings: dict, load: bool = True):
        """Show ``settings`` in the widgets (defaults for what it leaves out) and load them."""
        name = settings.get("name", "spiral")
        index = self.source.findData(name)
        if index < 0:
            self._set_error(f"unknown data source {name!r}")
            return
        self._loading = True  # one load at the end, not one per widget
        try:
            self.source.setCurrentIndex(index)
            defaults = {} if name in FILES else parameters_of(name)
            self.n_samples.setValue(int(settings.get("n_samples", defaults.get("n_samples", 300))
                                        or 300))  # fmt: skip
            self.noise.setValue(float(settings.get("noise", defaults.get("noise", 0.0)) or 0.0))
            self.seed.setValue(int(settings.get("seed", 0) or 0))
            self.test_fraction.setValue(float(settings.get("test_fraction", 0.2)))
            self.path.setText(str(settings.get("path", "")))
            label = settings.get("label_column")
            self.label_column.setText("" if label is None else str(label))
            self.image_size.setValue(int(settings.get("size", 28)))
            self._show_rows(name)
        finally:
            self._loading = False
        if load:
            self.reload()

    def load_csv(self, path, label_column=None):
        """Use the CSV file at ``path`` (what Browse does, for scripts and tests)."""
        self.set_settings({**self.settings(), "name": "csv", "path": str(path),
                           "label_column": label_column})  # fmt: skip

    def load_image_folder(self, path, size=28):
        self.set_settings({**self.settings(), "name": "image_folder", "path": str(path),
                           "size": size})  # fmt: skip

    # ------------------------------------------------------------------ loading
    def data(self):
        """(train, test, DataInfo) of the last successful load, or None."""
        return self._data

    def error_text(self) -> str:
        return self._error

    @Slot()
    def reload(self):
        """Load the data the widgets describe; on failure show the loader's message."""
        if self._loading:
            return
        settings = self.settings()
        if settings["name"] in FILES and not settings.get("path"):
            self._set_error("")
            self.summary.setText(f"Choose a {FILES[settings['name']].rstrip('…')}.")
            return
        try:
            train, test, info = load_data(settings)
        except DataError as e:
            self._data = None  # never leave the old data looking as if it were the new one
            self._set_error(str(e))
            self.summary.setText("Nothing loaded: fix the file, or choose other data.")
            self.preview.setVisible(False)
            return
        self.preview.setVisible(True)
        self._data = (train, test, info)
        self._set_error("")
        self._show_preview(train, test, info)
        self.dataChanged.emit()

    def _set_error(self, text):
        self._error = text
        self.error.setText(text)
        self.error.setVisible(bool(text))

    def _show_preview(self, train, test, info):
        kind = "regression" if info.task == "regression" else f"{info.num_classes} classes"
        self.summary.setText(f"{info.name}: {len(train)} train / {len(test)} test samples, "
                             f"input {info.input_shape}, {kind}")  # fmt: skip
        if info.kind == "points" and info.name != "csv":  # a CSV shows its rows, as in the file
            self.points.set_data(train, test, info.classes)
            self.preview.setCurrentWidget(self.points)
        elif info.kind == "images":
            x, y = train.data.numpy()[:PREVIEW_IMAGES], train.targets.numpy()[:PREVIEW_IMAGES]
            names = info.classes or []
            self.images.set_images(x, [str(names[int(k)]) if names else str(k) for k in y])
            self.preview.setCurrentWidget(self.images)
        else:
            self.table.set_dataset(train, info.classes)
            self.preview.setCurrentWidget(self.table)

    # ------------------------------------------------------------------ slots
    @Slot()
    def _schedule(self):
        if not self._loading:
            self._debounce.start()

    @Slot()
    def _source_changed(self):
        if self._loading:
            return
        name = self.source.currentData()
        self._show_rows(name)
        if name not in FILES:
            defaults = parameters_of(name)
            self._loading = True
            try:
                self.n_samples.setValue(int(defaults.get("n_samples") or 300))
                self.noise.setValue(float(defaults.get("noise") or 0.0))
            finally:
                self._loading = False
        self.reload()

    @Slot()
    def _browse(self):
        name = self.source.currentData()
        if name == "csv":
            kinds = "CSV files (*.csv *.txt);;All files (*)"
            path, _ = QFileDialog.getOpenFileName(self, "Open a CSV file", "", kinds)
        else:
            title = "Choose an image folder (one sub-folder per class)"
            path = QFileDialog.getExistingDirectory(self, title)
        if path:
            self.path.setText(path)
            self.reload()


def _spin(box, low, high, value, step=None, decimals=None):
    if decimals is not None:
        box.setDecimals(decimals)
    box.setRange(low, high)
    box.setValue(value)
    if step is not None:
        box.setSingleStep(step)
    box.setKeyboardTracking(False)  # one change when typing is done, not one per digit
    return box
