"""A photo of a handwritten digit is prepared as MNIST's digits were (app.imaging.digit_prep)."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.typing import NDArray
from PIL import Image, ImageDraw

from app.imaging import ImagingError
from app.imaging.digit_prep import BOX_SIDE, DIGIT_SIDE, prepare_digit

PAPER, INK = 228, 34


def drawn_seven(*, paper: int = PAPER, ink: int = INK, size: tuple[int, int] = (240, 320),
                seed: int = 0) -> NDArray[np.uint8]:
    """A "7" drawn with a thick pen off-centre on a noisy sheet: (H, W) uint8."""
    im = Image.new("L", size, paper)
    pen = ImageDraw.Draw(im)
    pen.line([(40, 60), (150, 60), (90, 260)], fill=ink, width=14)
    pen.line([(70, 160), (135, 160)], fill=ink, width=10)
    noise = np.random.default_rng(seed).integers(-6, 7, (size[1], size[0]))
    return np.clip(np.asarray(im).astype(np.int64) + noise, 0, 255).astype(np.uint8)


def ink_box(digit: NDArray[np.uint8]) -> tuple[int, int]:
    """(rows, cols) of the bounding box of the non-zero cells."""
    rows, cols = np.flatnonzero(digit.any(axis=1)), np.flatnonzero(digit.any(axis=0))
    return int(rows[-1] - rows[0] + 1), int(cols[-1] - cols[0] + 1)


def centre_of_mass(digit: NDArray[np.uint8]) -> tuple[float, float]:
    """In pixel-centre coordinates (pixel i covers [i, i + 1)): the field's centre is 14.0."""
    mass = digit.astype(np.float64)
    total = mass.sum()
    return (float(mass.sum(axis=1) @ (np.arange(mass.shape[0]) + 0.5) / total),
            float(mass.sum(axis=0) @ (np.arange(mass.shape[1]) + 0.5) / total))


def test_dark_ink_on_light_paper_becomes_white_on_black_in_a_20_box_centred_by_mass() -> None:
    digit = prepare_digit(drawn_seven())
    assert digit.shape == (DIGIT_SIDE, DIGIT_SIDE) and digit.dtype == np.uint8
    assert digit[0].max() == digit[-1].max() == digit[:, 0].max() == digit[:, -1].max() == 0
    assert digit.max() == 255  # the strongest ink
    assert max(ink_box(digit)) == BOX_SIDE
    cy, cx = centre_of_mass(digit)
    assert abs(cy - DIGIT_SIDE / 2) <= 0.5 and abs(cx - DIGIT_SIDE / 2) <= 0.5


def test_light_ink_on_dark_is_not_inverted() -> None:
    dark_on_light = drawn_seven()
    light_on_dark = (255 - dark_on_light).astype(np.uint8)
    # the same drawing, already white on black: the same digit, not its negative
    np.testing.assert_array_equal(prepare_digit(light_on_dark), prepare_digit(dark_on_light))
    assert prepare_digit(light_on_dark)[0, 0] == 0


def test_aspect_is_kept_when_scaling_into_the_box() -> None:
    digit = prepare_digit(drawn_seven())
    rows, cols = ink_box(digit)
    # the drawn 7 is ~ 214 px tall and ~ 124 px wide: 20 x ~12
    assert rows == BOX_SIDE and abs(cols - round(BOX_SIDE * 124 / 214)) <= 1


def test_thin_one_row_line_keeps_its_aspect() -> None:
    sheet = np.full((60, 200), 255, np.uint8)
    sheet[30, 50:150] = 0
    digit = prepare_digit(sheet)
    assert ink_box(digit) == (1, BOX_SIDE)
    cy, cx = centre_of_mass(digit)
    assert abs(cy - DIGIT_SIDE / 2) <= 0.5 and abs(cx - DIGIT_SIDE / 2) <= 0.5


@pytest.mark.parametrize("blank", [
    np.full((50, 40), 255, np.uint8),
    np.zeros((50, 40), np.uint8),
    np.full((80, 60, 3), 200, np.uint8),
    np.clip(200 + np.random.default_rng(1).integers(-8, 9, (80, 60)), 0, 255).astype(np.uint8),
])
def test_blank_image_is_refused_as_nothing_drawn(blank: NDArray[np.uint8]) -> None:
    with pytest.raises(ImagingError) as caught:
        prepare_digit(blank)
    assert caught.value.status == 422 and caught.value.code == "nothing_drawn"
    assert caught.value.message.startswith("nothing drawn: the image has no ink")


def test_blue_pen_on_white_rgb_paper_is_the_same_digit_as_its_grey() -> None:
    grey = drawn_seven(paper=255, ink=0)
    rgb = np.stack([np.where(grey < 128, 30, 255), np.where(grey < 128, 60, 255),
                    np.where(grey < 128, 160, 255)], axis=2).astype(np.uint8)
    digit = prepare_digit(rgb)
    assert max(ink_box(digit)) == BOX_SIDE and digit[0, 0] == 0
    np.testing.assert_array_equal(digit > 0, prepare_digit(grey) > 0)


def test_input_is_not_modified() -> None:
    photo = drawn_seven()
    before = photo.copy()
    prepare_digit(photo)
    np.testing.assert_array_equal(photo, before)
