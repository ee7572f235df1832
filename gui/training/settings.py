"""``SettingsForm``: the widgets of a ``TrainingConfig`` (optimizer and its hyper-parameters, lr,
scheduler, batch size, epochs, loss, weight decay, seed)."""

from __future__ import annotations

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QLineEdit,
    QSpinBox,
    QWidget,
)

from edutorch.training import LOSSES, OPTIMIZERS, SCHEDULERS, ConfigError, TrainingConfig
from edutorch.training.config import optimizer_hyperparameters

# the hyper-parameters worth a widget (eps and the like keep their defaults)
SHOWN = {
    "SGD": ("momentum", "nesterov"),
    "Adam": ("betas", "amsgrad"),
    "AdamW": ("betas",),
    "RMSprop": ("alpha", "momentum", "centered"),
    "Adagrad": ("lr_decay",),
}
MODEL_LOSS = "(the model's loss)"


class SettingsForm(QWidget):
    """Edits a TrainingConfig; ``changed`` fires on every edit. Hyper-parameter rows are rebuilt
    when the optimizer or the scheduler changes."""

    changed = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.form = QFormLayout(self)
        self.form.setContentsMargins(0, 0, 0, 0)
        self.optimizer = _combo(OPTIMIZERS)
        self.lr = _double(1e-5, 10.0, 0.01, decimals=5)
        self.lr.setStepType(QAbstractSpinBox.StepType.AdaptiveDecimalStepType)
        self.scheduler = _combo(SCHEDULERS)
        self.batch_size = _int(1, 65536, 32)
        self.epochs = _int(1, 1_000_000, 100)
        self.loss = _combo((MODEL_LOSS,) + tuple(LOSSES))
        self.weight_decay = _double(0.0, 1.0, 0.0, decimals=5)
        self.weight_decay.setStepType(QAbstractSpinBox.StepType.AdaptiveDecimalStepType)
        self.seed = _int(0, 2**31 - 1, 0)
        self.eval_every = _int(0, 1_000_000, 0)
        self.eval_every.setSpecialValueText("each epoch")
        self.form.addRow("Optimizer", self.optimizer)
        self._hyper_rows: dict[str, QWidget] = {}
        self._hyper_at = self.form.rowCount()
        self.form.addRow("Learning rate", self.lr)
        self.form.addRow("Scheduler", self.scheduler)
        self._sched_rows: dict[str, QWidget] = {}
        self._sched_at = self.form.rowCount()
        rows = (("Batch size", self.batch_size), ("Epochs", self.epochs), ("Loss", self.loss),
                ("Weight decay", self.weight_decay), ("Seed", self.seed),
                ("Test every (steps)", self.eval_every))  # fmt: skip
        for label, widget in rows:
            self.form.addRow(label, widget)
        self._rebuild_hyper({})
        self._rebuild_scheduler({})
        self.optimizer.currentTextChanged.connect(self._optimizer_changed)
        self.scheduler.currentTextChanged.connect(self._scheduler_changed)
        for w in (self.lr, self.batch_size, self.epochs, self.weight_decay, self.seed,
                  self.eval_every):  # fmt: skip
            w.valueChanged.connect(self.changed)
        self.loss.currentTextChanged.connect(self.changed)

    # ------------------------------------------------------------------ config <-> widgets
    def config(self) -> TrainingConfig:
        """The settings shown, checked (raises ConfigError for a bad value)."""
        loss = self.loss.currentText()
        return TrainingConfig(
            optimizer=self.optimizer.currentText(),
            optimizer_args={k: _value(w) for k, w in self._hyper_rows.items()},
            lr=self.lr.value(),
            scheduler=self.scheduler.currentText(),
            scheduler_args={k: _value(w) for k, w in self._sched_rows.items()},
            batch_size=self.batch_size.value(),
            epochs=self.epochs.value(),
            loss=None if loss == MODEL_LOSS else loss,
            weight_decay=self.weight_decay.value(),
            seed=self.seed.value(),
            eval_every=self.eval_every.value(),
        )

    def set_config(self, config: TrainingConfig):
        was_blocked = self.blockSignals(True)  # one `changed` at the end, not one per widget
        try:
            self.optimizer.setCurrentText(config.optimizer)
            self._rebuild_hyper(config.optimizer_args)
            self.lr.setValue(config.lr)
            self.scheduler.setCurrentText(config.scheduler)
            self._rebuild_scheduler(config.scheduler_args)
            self.batch_size.setValue(config.batch_size)
            self.epochs.setValue(config.epochs)
            self.loss.setCurrentText(config.loss or MODEL_LOSS)
            self.weight_decay.setValue(config.weight_decay)
            self.seed.setValue(config.seed)
            self.eval_every.setValue(config.eval_every)
        finally:
            self.blockSignals(was_blocked)
        self.changed.emit()  # (nothing is sent while a caller keeps the signals blocked)

    # ------------------------------------------------------------------ dynamic rows
    def _replace_rows(self, rows: dict, at: int, new: dict):
        for widget in rows.values():
            self.form.removeRow(widget)
        rows.clear()
        for i, (name, widget) in enumerate(new.items()):
            self.form.insertRow(at + i, "  " + name, widget)
            rows[name] = widget
            _on_change(widget, self.changed)

    def _rebuild_hyper(self, values: dict):
        name = self.optimizer.currentText()
        defaults = optimizer_hyperparameters(name)
        # optimizer numbers are real even when the default is written 0 (SGD's momentum)
        widgets = {k: _widget_for(values.get(k, defaults[k]), real=True) for k in SHOWN[name]}
        self._replace_rows(self._hyper_rows, self._hyper_at, widgets)
        self._sched_at = self._hyper_at + len(widgets) + 2

    def _rebuild_scheduler(self, values: dict):
        defaults = SCHEDULERS[self.scheduler.currentText()][0]
        widgets = {k: _widget_for(values.get(k, v)) for k, v in defaults.items() if v is not None}
        self._replace_rows(self._sched_rows, self._sched_at, widgets)

    @Slot()
    def _optimizer_changed(self):
        self._rebuild_hyper({})
        self._rebuild_scheduler({k: _value(w) for k, w in self._sched_rows.items()})
        self.changed.emit()

    @Slot()
    def _scheduler_changed(self):
        self._rebuild_scheduler({})
        self.changed.emit()


# ------------------------------------------------------------------------ widget helpers
def _combo(items):
    box = QComboBox()
    box.addItems(list(items))
    return box


def _int(low, high, value):
    box = QSpinBox()
    box.setRange(low, high)
    box.setValue(value)
    box.setKeyboardTracking(False)
    return box


def _double(low, high, value, decimals=4, step=0.01):
    box = QDoubleSpinBox()
    box.setDecimals(decimals)
    box.setRange(low, high)
    box.setSingleStep(step)
    box.setValue(value)
    box.setKeyboardTracking(False)
    return box


def _widget_for(value, real=False):
    """A widget for a hyper-parameter of this default kind: bool, int, float, pair, list
    (``real``: a number is a float even if written as an int)."""
    if isinstance(value, bool):
        box = QCheckBox()
        box.setChecked(value)
        return box
    if isinstance(value, int) and not real:
        return _int(0, 1_000_000, value)
    if isinstance(value, (int, float)):
        return _double(0.0, 1e6, value)
    text = ", ".join(str(v) for v in value)  # betas (0.9, 0.999), milestones [30, 60]
    edit = QLineEdit(text)
    edit.setProperty("kind", "tuple" if isinstance(value, tuple) else "list")
    return edit


def _value(widget):
    if isinstance(widget, QCheckBox):
        return widget.isChecked()
    if isinstance(widget, (QSpinBox, QDoubleSpinBox)):
        return widget.value()
    try:
        numbers = [float(v) for v in widget.text().replace("(", "").replace(")", "").split(",")]
    except ValueError:
        raise ConfigError(f"{widget.text()!r} is not a list of numbers") from None
    if widget.property("kind") == "list":
        return [int(v) if v.is_integer() else v for v in numbers]
    return tuple(numbers)


def _on_change(widget, slot):
    if isinstance(widget, QCheckBox):
        widget.toggled.connect(slot)
    elif isinstance(widget, QLineEdit):
        widget.editingFinished.connect(slot)
    else:
        widget.valueChanged.connect(slot)
