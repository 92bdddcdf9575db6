"""Filenames are safe to echo; working images round-trip through PNG."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from app.imaging import MAX_NAME_LENGTH, encode_png, safe_display_name


@pytest.mark.parametrize(("given", "shown"), [
    ("cat.jpg", "cat.jpg"),
    ("../../etc/passwd", "passwd"),
    ("..\\..\\windows\\system32\\config", "config"),
    ("C:\\Users\\ann\\Pictures\\beach.png", "beach.png"),
    ("<script>alert(1)</script>.png", "script_.png"),
    ("<img src=x onerror=alert(1)>.png", "_img src=x onerror=alert(1)_.png"),
    ('a"b`c|d?e*f:g.png', "a_b_c_d_e_f_g.png"),
    ("evil\u202egnp.exe", "evilgnp.exe"),  # a right-to-left override would fake ".png"
    ("tab\there\nnew\x00line.png", "tab here newline.png"),
    ("   .hidden.png  ", "hidden.png"),
    ("..", "upload"),
    ("", "upload"),
    (None, "upload"),
    ("Anna's café & bar.jpg", "Anna's café & bar.jpg"),
])
def test_display_names_have_no_path_markup_or_control_characters(given: str | None,
                                                                 shown: str) -> None:
    assert safe_display_name(given) == shown


def test_long_names_are_cut_and_keep_their_extension() -> None:
    name = safe_display_name("x" * 5000 + ".jpeg")
    assert len(name) == MAX_NAME_LENGTH and name.endswith("….jpeg")


@pytest.mark.parametrize("shape", [(5, 7, 3), (5, 7, 1), (5, 7)])
def test_encode_png_round_trips_exactly(shape: tuple[int, ...]) -> None:
    pixels = np.random.default_rng(3).integers(0, 256, shape, dtype=np.uint8)
    decoded = np.asarray(Image.open(io.BytesIO(encode_png(pixels))))
    assert np.array_equal(decoded, pixels.reshape(decoded.shape))


@pytest.mark.parametrize("bad", [np.zeros((4, 4, 2), np.uint8), np.zeros((4, 4, 3), np.float32),
                                 np.zeros(4, np.uint8)])
def test_encode_png_names_the_expected_shapes(bad: np.ndarray) -> None:
    with pytest.raises(ValueError, match="uint8"):
        encode_png(bad)
