"""The data panel: built-in sets with their settings, CSV files and image folders (good and
bad: the message names the row or file), previews, and handing the data to the training panel."""

import pytest

pytest.importorskip("PySide6")

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtGui import QColor, QImage  # noqa: E402

from edutorch_studio.training import DataPanel, TrainingPanel  # noqa: E402

pytestmark = pytest.mark.gui


@pytest.fixture
def panel(qtbot):
    panel = DataPanel()
    qtbot.addWidget(panel)
    panel.resize(500, 600)
    panel.show()
    qtbot.waitExposed(panel)
    return panel


def test_opens_on_the_spiral(panel):
    train, test, info = panel.data()
    assert info.name == "spiral" and info.kind == "points" and info.num_classes == 3
    assert panel.preview.currentWidget() is panel.points
    assert panel.settings() == {"name": "spiral", "seed": 0, "test_fraction": 0.2,
                                "n_samples": 300, "noise": 0.05}  # fmt: skip
    assert "240 train / 60 test" in panel.summary.text() and not panel.error.isVisible()


def test_settings_round_trip_and_reload(panel, qtbot):
    changes = []
    panel.dataChanged.connect(lambda: changes.append(panel.data()))
    settings = {"name": "moons", "n_samples": 120, "noise": 0.2, "seed": 4,
                "test_fraction": 0.25}  # fmt: skip
    panel.set_settings(settings)
    assert panel.settings() == settings and len(changes) == 1
    train, test, info = panel.data()
    assert (len(train), len(test), info.name) == (90, 30, "moons")
    panel.noise.setValue(0.3)  # edits reload after a short pause
    qtbot.waitUntil(lambda: len(changes) == 2, timeout=5000)
    assert panel.data()[2].settings["noise"] == 0.3


def test_choosing_another_set_in_the_list(panel, qtbot):
    panel.source.setCurrentIndex(panel.source.findData("glyphs"))
    info = panel.data()[2]
    assert info.kind == "images" and panel.preview.currentWidget() is panel.images
    assert len(panel.images.captions) == 32
    panel.source.setCurrentIndex(panel.source.findData("parity"))
    assert panel.preview.currentWidget() is panel.table and panel.table.rowCount() > 0
    assert panel.n_samples.isVisibleTo(panel) and not panel.noise.isVisibleTo(panel)
    panel.source.setCurrentIndex(panel.source.findData("char_text"))
    assert not panel.n_samples.isVisibleTo(panel)


def test_good_csv(panel, tmp_path):
    path = tmp_path / "flowers.csv"
    path.write_text("petal,sepal,kind\n1.0,2.0,rose\n1.5,2.5,tulip\n0.9,2.1,rose\n1.6,2.4,tulip\n"
                    "1.1,2.2,rose\n")  # fmt: skip
    panel.load_csv(path)
    train, test, info = panel.data()
    assert info.classes == ["rose", "tulip"] and len(train) + len(test) == 5
    assert panel.preview.currentWidget() is panel.table
    assert panel.table.horizontalHeaderItem(0).text() == "petal"
    assert panel.table.horizontalHeaderItem(2).text() == "kind"
    assert panel.table.item(0, 2).text() in ("rose", "tulip")
    assert panel.error_text() == "" and not panel.error.isVisible()
    assert panel.path_box.isVisibleTo(panel) and not panel.noise.isVisibleTo(panel)


def test_bad_csv_names_the_row(panel, tmp_path):
    changes = []
    panel.dataChanged.connect(lambda: changes.append(1))
    path = tmp_path / "broken.csv"
    path.write_text("a,b,label\n0.1,0.2,x\n0.3,0.4,y\n0.5,??,x\n")
    panel.load_csv(path)
    assert panel.data() is None and changes == []
    text = panel.error.text()
    assert "broken.csv" in text and "row 4" in text and "'??' is not a number" in text
    assert panel.error.isVisible() and not panel.preview.isVisible()
    # fixing the file and loading again clears the message
    path.write_text("a,b,label\n0.1,0.2,x\n0.3,0.4,y\n0.5,0.6,x\n")
    panel.reload()
    assert panel.data() is not None and not panel.error.isVisible() and changes == [1]


def test_csv_label_column_by_name_and_errors(panel, tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("label,a,b\nx,1,2\ny,3,4\nx,5,6\n")
    panel.load_csv(path, label_column="label")
    assert panel.data()[2].input_shape == (2,)
    panel.load_csv(path, label_column="colour")
    assert "no column named 'colour'" in panel.error_text()


def test_browse_for_a_csv(panel, dialogs, tmp_path):
    path = tmp_path / "picked.csv"
    path.write_text("a,b\n1,0\n2,1\n3,0\n")
    panel.source.setCurrentIndex(panel.source.findData("csv"))
    assert "Choose a CSV file" in panel.summary.text()
    dialogs.answers["getOpenFileName"] = (str(path), "")
    panel.browse.click()
    assert panel.path.text() == str(path) and panel.data()[2].name == "csv"


def _png(path, rgb):
    img = QImage(6, 5, QImage.Format.Format_RGB888)
    img.fill(QColor(*rgb))
    assert img.save(str(path))


def test_image_folder_good_and_bad(panel, tmp_path):
    for cls, rgb in (("cats", (200, 50, 50)), ("dogs", (50, 50, 200))):
        (tmp_path / cls).mkdir()
        for i in range(4):
            _png(tmp_path / cls / f"{i}.png", rgb)
    panel.load_image_folder(tmp_path, size=12)
    train, test, info = panel.data()
    assert info.classes == ["cats", "dogs"] and info.input_shape == (3, 12, 12)
    assert panel.preview.currentWidget() is panel.images
    (tmp_path / "dogs" / "corrupt.png").write_bytes(b"\x89PNG not really")
    panel.reload()
    assert "corrupt.png" in panel.error_text() and panel.data() is None


def test_data_goes_to_the_training_panel(panel, qtbot):
    import edutorch as torch

    training = TrainingPanel()
    qtbot.addWidget(training)
    model = torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.ReLU(), torch.nn.Linear(8, 2))
    training.set_model(model, torch.nn.CrossEntropyLoss())
    panel.dataChanged.connect(lambda: training.set_data(*panel.data()))
    panel.set_settings({"name": "xor", "n_samples": 100})
    assert training.state() == "ready" and len(training.train_set) == 80
    assert training.outputs.tabText(0) == "Decision boundary"
    qtbot.mouseClick(training.step_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: training.trainer.step_count == 1, timeout=30_000)
    training.shutdown()
