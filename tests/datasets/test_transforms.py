"""edutorch.transforms against torchvision's documented semantics, on small arrays."""

import importlib.util

import numpy as np
import pytest

import edutorch
from edutorch import transforms as T

HAS_PIL = importlib.util.find_spec("PIL") is not None


def hwc(h=4, w=5, c=3):
    return np.arange(h * w * c, dtype=np.uint8).reshape(h, w, c)


def test_to_tensor_uint8_hwc_to_chw_float():
    x = T.ToTensor()(hwc())
    assert x.shape == (3, 4, 5) and x.dtype == edutorch.float32
    np.testing.assert_array_equal(x.numpy(), hwc().transpose(2, 0, 1).astype(np.float32) / 255)


def test_to_tensor_2d_gets_a_channel_and_other_dtypes_are_not_scaled():
    assert T.ToTensor()(np.zeros((3, 2), np.uint8)).shape == (1, 3, 2)
    f = np.full((2, 2, 1), 7.5)
    out = T.ToTensor()(f)
    assert out.dtype == edutorch.float64 and out.numpy().max() == 7.5  # torchvision: no scaling
    assert T.ToTensor()(np.ones((2, 2), np.int32)).dtype == edutorch.int32


def test_to_tensor_rejects_other_inputs():
    with pytest.raises(TypeError, match="pic should be PIL Image or ndarray"):
        T.ToTensor()(edutorch.zeros(3, 2, 2))
    with pytest.raises(ValueError, match="2/3 dimensional"):
        T.ToTensor()(np.zeros((1, 2, 2, 3), np.uint8))


@pytest.mark.skipif(not HAS_PIL, reason="Pillow is not installed")
def test_to_tensor_pil_images():
    from PIL import Image

    rgb = T.ToTensor()(Image.fromarray(hwc()))
    np.testing.assert_array_equal(rgb.numpy(), T.ToTensor()(hwc()).numpy())
    grey = T.ToTensor()(Image.fromarray(hwc()[:, :, 0]))
    assert grey.shape == (1, 4, 5)
    bits = T.ToTensor()(Image.fromarray(np.array([[True, False]])).convert("1"))
    assert bits.tolist() == [[[1.0, 0.0]]]


def test_normalize_per_channel():
    x = edutorch.ones(2, 2, 3)
    out = T.Normalize(mean=(0.5, 0.0), std=(0.25, 2.0))(x)
    assert out.shape == (2, 2, 3)
    np.testing.assert_allclose(out.numpy()[0], 2.0)
    np.testing.assert_allclose(out.numpy()[1], 0.5)
    assert x.numpy().max() == 1.0  # not in place by default
    batch = T.Normalize([1.0, 1.0], [1.0, 1.0])(edutorch.ones(4, 2, 3, 3))
    assert batch.shape == (4, 2, 3, 3) and batch.abs().sum().item() == 0


def test_normalize_inplace_changes_the_input():
    x = edutorch.ones(1, 2, 2)
    out = T.Normalize([0.5], [0.5], inplace=True)(x)
    assert out is x and x.numpy().max() == 1.0 and x.numpy().min() == 1.0
    x = edutorch.zeros(1, 2, 2)
    T.Normalize([0.5], [0.5], inplace=True)(x)
    assert x.numpy().max() == -1.0


def test_normalize_lets_gradients_through():
    x = edutorch.ones(1, 2, 2, requires_grad=True)
    T.Normalize([0.0], [2.0])(x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 0.5)


def test_normalize_errors():
    with pytest.raises(TypeError, match="Tensor Image"):
        T.Normalize([0], [1])(np.zeros((1, 2, 2)))
    with pytest.raises(TypeError, match="float tensor"):
        T.Normalize([0], [1])(edutorch.zeros(1, 2, 2, dtype=edutorch.int64))
    with pytest.raises(ValueError, match=r"\(\.\.\., C, H, W\)"):
        T.Normalize([0], [1])(edutorch.zeros(2, 2))
    with pytest.raises(ValueError, match="std evaluated to zero"):
        T.Normalize([0, 0], [1, 0])(edutorch.zeros(2, 2, 2))


def test_lambda_and_compose():
    f = T.Compose([T.ToTensor(), T.Lambda(lambda t: t * 255)])
    np.testing.assert_allclose(f(hwc()).numpy(), hwc().transpose(2, 0, 1), rtol=1e-6)
    with pytest.raises(TypeError, match="Argument lambd should be callable, got 'int'"):
        T.Lambda(3)
    assert repr(f) == "Compose(\n    ToTensor()\n    Lambda()\n)"
    assert repr(T.RandomHorizontalFlip()) == "RandomHorizontalFlip(p=0.5)"
    assert repr(T.Normalize((0.5,), (0.2,))) == "Normalize(mean=(0.5,), std=(0.2,))"


def test_horizontal_flip_on_tensors_and_arrays():
    t = edutorch.arange(6.0).reshape(1, 2, 3)
    assert T.RandomHorizontalFlip(p=1.0)(t).tolist() == [[[2.0, 1.0, 0.0], [5.0, 4.0, 3.0]]]
    assert T.RandomHorizontalFlip(p=0.0)(t) is t
    a = hwc()
    np.testing.assert_array_equal(T.RandomHorizontalFlip(1.0)(a), a[:, ::-1])
    np.testing.assert_array_equal(T.RandomHorizontalFlip(1.0)(a[:, :, 0]), a[:, ::-1, 0])


def test_horizontal_flip_draws_one_number_from_the_default_generator():
    flip, t = T.RandomHorizontalFlip(0.5), edutorch.arange(2.0).reshape(1, 1, 2)
    edutorch.manual_seed(3)
    flipped = [flip(t).tolist() != t.tolist() for _ in range(200)]
    edutorch.manual_seed(3)
    draws = [edutorch.rand(1).item() < 0.5 for _ in range(200)]
    assert flipped == draws and 60 < sum(flipped) < 140


def test_random_crop_is_a_window_of_the_input():
    a = np.arange(36, dtype=np.uint8).reshape(6, 6)
    edutorch.manual_seed(0)
    for _ in range(20):
        c = T.RandomCrop(3)(a)
        i, j = divmod(int(c[0, 0]), 6)
        np.testing.assert_array_equal(c, a[i : i + 3, j : j + 3])


def test_random_crop_draws_top_then_left_like_torchvision():
    t = edutorch.arange(48.0).reshape(1, 6, 8)
    edutorch.manual_seed(5)
    c = T.RandomCrop((2, 3))(t)
    edutorch.manual_seed(5)
    i = edutorch.randint(0, 6 - 2 + 1, size=(1,)).item()
    j = edutorch.randint(0, 8 - 3 + 1, size=(1,)).item()
    assert c.tolist() == t[:, i : i + 2, j : j + 3].tolist()
    assert T.RandomCrop([6, 8])(t).tolist() == t.tolist()  # whole image: no draw needed


@pytest.mark.parametrize(
    "padding, want",
    [(1, (1, 1, 1, 1)), ((2, 1), (2, 1, 2, 1)), ((1, 2, 3, 4), (1, 2, 3, 4)), ([3], (3, 3, 3, 3))],
)
def test_padding_forms_left_top_right_bottom(padding, want):
    left, top, right, bottom = want
    t = edutorch.ones(1, 2, 3)
    out = T.pad(t, padding, fill=9)
    assert out.shape == (1, 2 + top + bottom, 3 + left + right)
    inner = out.numpy()[0, top : top + 2, left : left + 3]
    assert (inner == 1).all() and (out.numpy() == 9).sum() == out.numel() - 6


@pytest.mark.parametrize("mode", ["constant", "edge", "reflect", "symmetric"])
def test_padding_modes_match_numpy_pad(mode):
    a = np.arange(12, dtype=np.uint8).reshape(3, 4)
    np.testing.assert_array_equal(
        T.pad(a, (2, 1), padding_mode=mode), np.pad(a, ((1, 1), (2, 2)), mode=mode)
    )
    t = edutorch.from_numpy(a.astype(np.float32)).reshape(1, 3, 4)
    want = np.pad(a, ((1, 1), (2, 2)), mode=mode)
    np.testing.assert_array_equal(T.pad(t, (2, 1), padding_mode=mode).numpy()[0], want)


def test_fill_per_channel():
    out = T.pad(edutorch.zeros(3, 1, 1), 1, fill=(1, 2, 3))
    assert [out[c, 0, 0].item() for c in range(3)] == [1, 2, 3]
    out = T.pad(np.zeros((1, 1, 3), np.uint8), 1, fill=(1, 2, 3))
    assert out[0, 0].tolist() == [1, 2, 3]


def test_random_crop_with_padding_and_pad_if_needed():
    t = edutorch.ones(1, 4, 4)
    edutorch.manual_seed(0)
    assert T.RandomCrop(4, padding=2)(t).shape == (1, 4, 4)
    # too small: each side is padded by the shortfall (torchvision pads width, then height)
    out = T.RandomCrop((6, 5), pad_if_needed=True, fill=0)(t)
    assert out.shape == (1, 6, 5)
    with pytest.raises(
        ValueError, match=r"Required crop size \(6, 5\) is larger than input image size \(4, 4\)"
    ):
        T.RandomCrop((6, 5))(t)
    with pytest.raises(ValueError, match="only two dimensions"):
        T.RandomCrop((1, 2, 3))


@pytest.mark.skipif(not HAS_PIL, reason="Pillow is not installed")
def test_crop_and_flip_keep_pil_images_pil():
    from PIL import Image

    img = Image.fromarray(hwc())
    out = T.RandomCrop(3, padding=1)(T.RandomHorizontalFlip(1.0)(img))
    assert isinstance(out, Image.Image) and out.size == (3, 3)


def test_same_numbers_as_torchvision_when_installed():
    tv = pytest.importorskip("torchvision.transforms")
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(0).integers(0, 256, (5, 6, 3), dtype=np.uint8)
    ours = T.Normalize((0.4, 0.5, 0.6), (0.2, 0.3, 0.4))(T.ToTensor()(a)).numpy()
    theirs = tv.Normalize((0.4, 0.5, 0.6), (0.2, 0.3, 0.4))(tv.ToTensor()(a)).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-6)
    t = torch.from_numpy(ours.copy())
    for mode in ("constant", "edge", "reflect", "symmetric"):
        want = tv.functional.pad(t, [1, 2, 3, 1], fill=0, padding_mode=mode).numpy()
        got = T.pad(edutorch.from_numpy(ours.copy()), [1, 2, 3, 1], padding_mode=mode).numpy()
        np.testing.assert_allclose(got, want)
