"""load_data: built-in sets, CSV files (errors name the row), image folders (errors name the
file)."""

import numpy as np
import pytest

from edutorch.training import DataError, load_data, load_image_folder


def test_builtin_sets():
    train, test, info = load_data({"name": "spiral", "n_samples": 100, "noise": 0.1, "seed": 3,
                                   "test_fraction": 0.25})  # fmt: skip
    assert (len(train), len(test)) == (75, 25)
    assert info.task == "classification" and info.num_classes == 3 and info.kind == "points"
    _, _, info = load_data({"name": "sine", "n_samples": 50})
    assert info.task == "regression" and info.classes is None and info.input_shape == (1,)
    _, _, info = load_data({"name": "glyphs", "n_samples": 20, "size": 16})
    assert info.kind == "images" and info.input_shape == (1, 16, 16)
    _, _, info = load_data({"name": "parity", "n_samples": 20, "noise": 0.3})  # noise: unused
    assert info.kind == "table"


def test_unknown_source_and_bad_values():
    with pytest.raises(DataError, match="unknown data source 'nope'"):
        load_data({"name": "nope"})
    with pytest.raises(DataError, match="test_fraction"):
        load_data({"name": "xor", "test_fraction": 1.5})
    with pytest.raises(DataError, match="choose a CSV file"):
        load_data({"name": "csv"})


def test_csv_good_and_bad(tmp_path):
    good = tmp_path / "good.csv"
    good.write_text("a,b,label\n0.1,0.2,cat\n0.3,0.4,dog\n0.5,0.6,cat\n1,2,dog\n")
    train, test, info = load_data({"name": "csv", "path": str(good), "test_fraction": 0.25})
    assert info.classes == ["cat", "dog"] and info.input_shape == (2,)
    assert len(train) + len(test) == 4
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b,label\n0.1,0.2,cat\n0.3,oops,dog\n")
    with pytest.raises(DataError, match=r"row 3, column 'b': 'oops' is not a number"):
        load_data({"name": "csv", "path": str(bad)})
    short = tmp_path / "short.csv"
    short.write_text("a,b,label\n0.1,0.2,cat\n0.3,dog\n")
    with pytest.raises(DataError, match="row 3: 2 values"):
        load_data({"name": "csv", "path": str(short)})
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"\xff\xfe\x00\x81garbage")
    with pytest.raises(DataError, match="binary.csv"):
        load_data({"name": "csv", "path": str(binary)})
    with pytest.raises(DataError, match="not found"):
        load_data({"name": "csv", "path": str(tmp_path / "missing.csv")})


def _png(path, rgb, size=(4, 6)):
    pytest.importorskip("PySide6")
    from PySide6.QtGui import QColor, QImage

    img = QImage(size[1], size[0], QImage.Format.Format_RGB888)
    img.fill(QColor(*rgb))
    assert img.save(str(path))


def test_image_folder(tmp_path):
    for cls, rgb in (("red", (255, 0, 0)), ("blue", (0, 0, 255))):
        (tmp_path / cls).mkdir()
        for i in range(3):
            _png(tmp_path / cls / f"{i}.png", rgb)
    ds = load_image_folder(tmp_path, size=8)
    assert ds.classes == ["blue", "red"] and ds.data.shape == (6, 3, 8, 8)
    x, y = ds[0]
    np.testing.assert_allclose(x.numpy()[:, 0, 0], [0, 0, 1])  # blue, in [0, 1]
    _, _, info = load_data({"name": "image_folder", "path": str(tmp_path), "size": 8})
    assert info.kind == "images" and info.input_shape == (3, 8, 8)
    (tmp_path / "red" / "broken.png").write_bytes(b"not a png")
    with pytest.raises(DataError, match=r"broken\.png: cannot read this image"):
        load_image_folder(tmp_path)
    with pytest.raises(DataError, match="no such folder"):
        load_image_folder(tmp_path / "missing")
