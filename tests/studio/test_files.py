"""Project files in the window: bad files, autosave, the close prompt, recent files, samples."""

import json
import os
import time
import zipfile

import pytest
from PySide6.QtWidgets import QMessageBox

from edutorch.graph.project import autosave_path, sample_project, save_project

pytestmark = pytest.mark.gui
Button = QMessageBox.StandardButton


def saved_sample(tmp_path, name="spiral-mlp", file="spiral.etproj"):
    path = tmp_path / file
    save_project(sample_project(name), path)
    return path


def rewrite_json(src, dst, change):
    """Copy a project file with its project.json edited by ``change(doc)``."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "project.json":
                doc = json.loads(data)
                change(doc)
                data = json.dumps(doc).encode()
            zout.writestr(info.filename, data)


def corrupt(path):
    path.write_bytes(b"PK\x03\x04 definitely not a real zip")


def truncated(path, good):
    path.write_bytes(good.read_bytes()[:100])


def newer(path, good):
    rewrite_json(good, path, lambda d: d.update(version=99))


def hand_edited(path, good):
    def change(doc):
        doc["graph"]["nodes"][1]["params"]["out_features"] = -3

    rewrite_json(good, path, change)


@pytest.mark.parametrize(
    "damage, words",
    [
        (lambda p, g: corrupt(p), "not an edutorch project"),
        (truncated, "not an edutorch project"),
        (newer, "newer edutorch"),
        (hand_edited, "out_features must be at least 1, got -3"),
    ],
    ids=["corrupt", "truncated", "newer-version", "hand-edited"],
)
def test_a_bad_file_shows_a_dialog_and_keeps_the_project(main_window, tmp_path, dialogs,
                                                         damage, words):  # fmt: skip
    window = main_window
    window.document.add_node("Dropout")  # unsaved work that must survive the failed open
    before = window.document.spec.to_dict()
    good, bad = saved_sample(tmp_path), tmp_path / "bad.etproj"
    damage(bad, good)
    dialogs.answers["warning"] = Button.Discard
    assert not window.files.open(bad, ask_save=False)
    assert dialogs.kinds() == ["critical"]
    text = dialogs.texts("critical")[0]
    assert "bad.etproj" in text and words in text, text
    assert window.document.spec.to_dict() == before
    assert window.document.dirty
    assert window.windowTitle().startswith("spiral-mlp (sample)*")
    assert "Could not open bad.etproj" in window.statusBar().currentMessage()


def test_open_through_the_file_dialog_and_recent_files(main_window, tmp_path, dialogs):
    window = main_window
    paths = [saved_sample(tmp_path, file=f"p{i}.etproj") for i in range(10)]
    for path in paths:
        dialogs.answers["getOpenFileName"] = (str(path), "")
        window.actions["open"].trigger()
        assert window.files.path == path
    recent = [a.text() for a in window.recent_menu.actions()]
    assert len(recent) == 8
    assert recent[0] == f"&1 {paths[-1]}" and recent[-1] == f"&8 {paths[2]}"
    window.recent_menu.actions()[3].trigger()
    assert window.files.path == paths[-4]
    assert window.recent_menu.actions()[0].text() == f"&1 {paths[-4]}"
    assert window.files.settings.value("recentFiles")[0] == str(paths[-4])


def test_close_prompt_when_dirty(main_window, dialogs, qtbot, tmp_path):
    window = main_window
    window.document.add_node("ReLU")
    dialogs.answers["warning"] = Button.Cancel
    window.close()
    assert window.isVisible()
    assert dialogs.kinds() == ["warning"]
    assert "spiral-mlp (sample)" in dialogs.texts("warning")[0]

    dialogs.answers["warning"] = Button.Save
    dialogs.answers["getSaveFileName"] = (str(tmp_path / "mine"), "")
    window.close()
    qtbot.waitUntil(lambda: not window.isVisible())
    saved = tmp_path / "mine.etproj"
    assert saved.exists()
    from edutorch.graph.project import load_project

    assert [n.type for n in load_project(saved).graph.nodes][-1] == "ReLU"


def test_close_without_changes_asks_nothing(main_window, dialogs, qtbot):
    main_window.close()
    qtbot.waitUntil(lambda: not main_window.isVisible())
    assert dialogs.calls == []


def test_new_and_samples_ask_before_dropping_changes(main_window, dialogs):
    window = main_window
    window.document.add_node("ReLU")
    dialogs.answers["warning"] = Button.Cancel
    window.actions["sample:glyphs-cnn"].trigger()
    assert window.files.sample == "spiral-mlp"
    dialogs.answers["warning"] = Button.Discard
    window.actions["sample:glyphs-cnn"].trigger()
    assert window.files.sample == "glyphs-cnn"
    assert window.windowTitle() == "glyphs-cnn (sample) — edutorch studio"
    assert window.shapes_label.text() == "Shapes OK: 8 layers, 9,098 parameters"
    window.actions["new"].trigger()
    assert window.document.spec.nodes == []
    assert "the graph is empty" in window.shapes_label.text()


def test_autosave_and_restore_after_a_crash(make_window, tmp_path, dialogs):
    path = saved_sample(tmp_path)
    window = make_window(path=path)
    assert window.files.autosave_timer.isActive()
    assert window.files.autosave_timer.interval() == 60_000
    assert not window.files.autosave()  # nothing to save yet
    window.document.add_node("Dropout")
    edited = window.document.spec.to_dict()
    window.files.autosave_timer.timeout.emit()  # what the timer does every minute
    backup = autosave_path(path)
    assert backup.exists() and backup.parent.parent == tmp_path / "state"
    os.utime(backup, (time.time() + 5, time.time() + 5))  # surely newer than the file
    window.shutdown()  # a crash: no close prompt, the autosave stays

    dialogs.answers["question"] = Button.Yes
    restored = make_window(path=path)
    assert dialogs.kinds() == ["question"]
    assert "spiral.etproj" in dialogs.texts("question")[0]
    assert restored.document.spec.to_dict() == edited
    assert restored.document.dirty and restored.windowTitle() == "spiral.etproj* — edutorch studio"
    assert restored.files.path == path
    assert restored.files.save()
    assert not backup.exists()  # saved: the autosave has done its job


def test_declining_the_autosave_removes_it(make_window, tmp_path, dialogs):
    path = saved_sample(tmp_path)
    window = make_window(path=path)
    window.document.add_node("Dropout")
    window.files.autosave()
    backup = autosave_path(path)
    os.utime(backup, (time.time() + 5, time.time() + 5))
    window.shutdown()
    dialogs.answers["question"] = Button.No
    again = make_window(path=path)
    assert not again.document.dirty
    assert not any(n.type == "Dropout" for n in again.document.spec.nodes)
    assert not backup.exists()


def test_an_autosave_older_than_the_file_is_not_offered(make_window, tmp_path, dialogs):
    path = saved_sample(tmp_path)
    save_project(sample_project("glyphs-cnn"), autosave_path(path))
    os.utime(autosave_path(path), (time.time() - 100, time.time() - 100))
    make_window(path=path)
    assert dialogs.calls == []


def test_untitled_work_is_offered_back_on_start(make_window, dialogs):
    save_project(sample_project("sequence-rnn"), autosave_path(None))
    dialogs.answers["question"] = Button.Yes
    window = make_window()
    assert dialogs.kinds() == ["question"]
    assert [n.type for n in window.document.spec.nodes][1] == "GRU"
    assert window.document.dirty


def test_export_of_an_invalid_model_explains(main_window, tmp_path, dialogs):
    window = main_window
    window.document.disconnect_ports("relu_1", "linear_2", 0)
    assert not window.files.export_python(tmp_path / "m.py")
    assert dialogs.kinds() == ["critical"]
    assert "linear_2" in dialogs.texts("critical")[0]
    assert not (tmp_path / "m.py").exists()


def test_weights_survive_save_and_edit(main_window, tmp_path):
    import edutorch
    from edutorch.graph.project import load_project

    window = main_window
    window.files.project.weights = dict(window.model().state_dict())  # as after training
    path = tmp_path / "trained.etproj"
    assert window.save_project(path)
    loaded = load_project(path)
    assert set(loaded.weights) == set(window.model().state_dict())
    x = edutorch.randn(4, 2)
    with edutorch.no_grad():
        assert (loaded.model()(x) == window.model()(x)).all()
    same = window.model()
    window.document.move_nodes({"linear_1": (0.0, 500.0)})
    assert window.model() is same  # a move keeps the model (and its fresh weights)
    window.document.set_param("linear_3", "out_features", 5)  # a changed layer gets new weights
    model = window.model()
    assert tuple(model.linear_3.weight.shape) == (5, 16)
    assert (model.linear_1.weight == loaded.weights["linear_1.weight"]).all()
