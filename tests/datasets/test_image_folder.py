"""ImageFolder on PNG (and JPEG) files the tests write, with each decoder that is installed."""

import importlib.util

import numpy as np
import pytest

import edutorch
from edutorch import transforms as T
from edutorch.datasets import ImageFolder, decode_image, image_folder
from edutorch.datasets._png import write_png
from edutorch.utils.data import DataLoader

BACKENDS = [
    pytest.param(name, marks=pytest.mark.skipif(
        importlib.util.find_spec(module) is None, reason=f"{module} is not installed"))
    for name, module in (("pillow", "PIL"), ("qt", "PySide6"))
]  # fmt: skip
NO_DECODER = image_folder.image_backend() is None


def rgb(seed, h=5, w=7):
    return np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8)


@pytest.fixture
def pets(tmp_path):
    """root/cat/a.png, root/cat/b.png, root/dog/c.png, root/dog/more/d.png, plus files to skip."""
    root = tmp_path / "pets"
    for sub in ("cat", "dog/more"):
        (root / sub).mkdir(parents=True)
    write_png(root / "cat" / "b.png", rgb(2))
    write_png(root / "cat" / "a.png", rgb(1))
    write_png(root / "dog" / "c.png", rgb(3))
    write_png(root / "dog" / "more" / "d.PNG", rgb(4))
    (root / "dog" / "notes.txt").write_text("not an image")
    (root / "readme.png").write_bytes(b"")  # a file at the top is not a class
    return root


@pytest.mark.parametrize("backend", BACKENDS)
def test_decode_png(tmp_path, backend):
    img = rgb(0)
    write_png(tmp_path / "x.png", img)
    out = decode_image(tmp_path / "x.png", backend=backend)
    assert out.dtype == np.uint8 and np.array_equal(out, img)
    grey = img[:, :, 0]
    write_png(tmp_path / "g.png", grey)
    assert np.array_equal(decode_image(tmp_path / "g.png", backend=backend), np.dstack([grey] * 3))


@pytest.mark.parametrize("backend", BACKENDS)
def test_decode_jpeg(tmp_path, backend):
    img = np.full((8, 8, 3), (200, 40, 90), dtype=np.uint8)  # flat colour: JPEG keeps it closely
    path = str(tmp_path / "x.jpg")
    if importlib.util.find_spec("PIL"):
        from PIL import Image

        Image.fromarray(img).save(path, quality=95)
    else:
        from PySide6.QtGui import QImage

        QImage(img.tobytes(), 8, 8, 24, QImage.Format.Format_RGB888).save(path, quality=95)
    out = decode_image(path, backend=backend)
    assert out.shape == (8, 8, 3) and np.abs(out.astype(int) - img).max() <= 4


def test_no_decoder_says_pip_install_pillow(tmp_path, monkeypatch):
    write_png(tmp_path / "x.png", rgb(0))
    monkeypatch.setattr(image_folder, "image_backend", lambda: None)
    with pytest.raises(ImportError, match="pip install pillow"):
        decode_image(tmp_path / "x.png")


def test_classes_and_samples_follow_torchvision(pets):
    ds = ImageFolder(pets)
    assert ds.classes == ["cat", "dog"] and ds.class_to_idx == {"cat": 0, "dog": 1}
    names = [(p.replace(str(pets), "").replace("\\", "/"), t) for p, t in ds.samples]
    assert names == [
        ("/cat/a.png", 0),
        ("/cat/b.png", 0),
        ("/dog/c.png", 1),
        ("/dog/more/d.PNG", 1),
    ]
    assert ds.targets == [0, 0, 1, 1] and ds.imgs == ds.samples and len(ds) == 4


@pytest.mark.skipif(NO_DECODER, reason="neither Pillow nor PySide6 is installed")
def test_items_are_arrays_or_transformed_tensors(pets):
    img, target = ImageFolder(pets)[3]
    assert np.array_equal(img, rgb(4)) and target == 1
    ds = ImageFolder(pets, transform=T.ToTensor(), target_transform=lambda t: t * 10)
    x, t = ds[0]
    assert x.shape == (3, 5, 7) and x.dtype == edutorch.float32 and t == 0
    np.testing.assert_allclose(x.numpy(), rgb(1).transpose(2, 0, 1) / 255, rtol=1e-6)
    xb, yb = next(iter(DataLoader(ImageFolder(pets, transform=T.ToTensor()), batch_size=4)))
    assert xb.shape == (4, 3, 5, 7) and yb.tolist() == [0, 0, 1, 1]


def test_is_valid_file(pets):
    ds = ImageFolder(pets, is_valid_file=lambda p: p.endswith("a.png") or p.endswith("c.png"))
    assert ds.targets == [0, 1]


def test_errors(tmp_path, pets):
    with pytest.raises(FileNotFoundError, match="no such folder"):
        ImageFolder(tmp_path / "nowhere")
    (tmp_path / "flat").mkdir()
    with pytest.raises(FileNotFoundError, match="Couldn't find any class folder"):
        ImageFolder(tmp_path / "flat")
    (pets / "bird").mkdir()
    with pytest.raises(FileNotFoundError, match="no valid file for the classes bird.*png"):
        ImageFolder(pets)
    assert ImageFolder(pets, allow_empty=True).classes == ["bird", "cat", "dog"]
