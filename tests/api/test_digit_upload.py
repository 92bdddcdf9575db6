"""``POST /api/images`` with ``prepare=digit``: a photo of a digit becomes a 28 x 28 MNIST-like
input, and the trained network reads it as it reads the original."""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image, ImageDraw

from app.imaging.digit_prep import prepare_digit
from app.models import get_model
from tests.imaging.test_digit_prep import drawn_seven

from .binary import read_pyramid


def _png(pixels: np.ndarray, fmt: str = "PNG") -> bytes:
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, format=fmt)
    return out.getvalue()


def test_prepared_upload_is_the_28_by_28_grey_digit(client: TestClient) -> None:
    photo = drawn_seven()
    r = client.post("/api/images", files={"file": ("seven.png", _png(photo))},
                    data={"prepare": "digit"})
    assert r.status_code == 200, r.text
    info = r.json()
    assert (info["width"], info["height"], info["channels"]) == (28, 28, 1)
    png = client.get(f"/api/images/{info['id']}")
    stored = np.asarray(Image.open(io.BytesIO(png.content)))
    np.testing.assert_array_equal(stored, prepare_digit(photo))


def test_upload_without_prepare_keeps_the_photo(client: TestClient) -> None:
    r = client.post("/api/images", files={"file": ("seven.png", _png(drawn_seven()))})
    assert (r.json()["width"], r.json()["height"]) == (240, 320)


def test_blank_photo_with_prepare_digit_is_nothing_drawn(client: TestClient) -> None:
    r = client.post("/api/images", files={"file": ("blank.png", _png(np.full((40, 30), 250,
                                                                             np.uint8)))},
                    data={"prepare": "digit"})
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert error["code"] == "nothing_drawn" and error["field"] == "file"
    assert error["message"].startswith("nothing drawn: the image has no ink")


def test_unknown_prepare_value_is_422_naming_the_field(client: TestClient) -> None:
    r = client.post("/api/images", files={"file": ("seven.png", _png(drawn_seven()))},
                    data={"prepare": "letters"})
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert (error["field"], error["value"], error["limit"]) == ("prepare", "letters", "digit")


def test_photographed_heldout_digits_are_read_as_the_originals(client: TestClient) -> None:
    """Each held-out digit, enlarged 8x and printed dark on light paper (a JPEG photo), is
    prepared back into a 28 x 28 digit that the network classifies as the original."""
    pixels = get_model("digits").heldout_pixels
    same = 0
    for index in range(10):
        big = Image.fromarray(pixels[index]).resize((224, 224), Image.Resampling.BICUBIC)
        paper = np.pad(255 - np.asarray(big), 40, constant_values=255).astype(np.uint8)
        r = client.post("/api/images", files={"file": ("photo.jpg", _png(paper, "JPEG"))},
                        data={"prepare": "digit"})
        assert r.status_code == 200, r.text
        answers = []
        for image in ({"id": r.json()["id"]}, {"digit": index}):
            reply = client.post("/api/pyramid", json={"image": image, "model": "digits",
                                                      "preview": 8})
            answers.append(int(np.argmax(read_pyramid(reply.content)[0]["probabilities"])))
        same += answers[0] == answers[1]
    assert same >= 9


PEN: dict[str, Any] = {
    "0": lambda pen, w: pen.ellipse([(70, 60), (230, 340)], outline=INK, width=w),
    "1": lambda pen, w: pen.line([(150, 60), (140, 340)], fill=INK, width=w),
    "2": lambda pen, w: (pen.arc([(70, 50), (230, 200)], 180, 40, fill=INK, width=w),
                         pen.line([(215, 160), (70, 330), (240, 330)], fill=INK, width=w)),
    "4": lambda pen, w: (pen.line([(180, 60), (60, 250), (250, 250)], fill=INK, width=w),
                         pen.line([(180, 60), (180, 340)], fill=INK, width=w)),
    "7": lambda pen, w: pen.line([(60, 70), (240, 70), (120, 340)], fill=INK, width=w),
}
INK, PAPER = 30, 235


@pytest.mark.parametrize("label", sorted(PEN))
@pytest.mark.parametrize("width", [10, 36])
def test_digit_drawn_with_a_pen_on_paper_is_classified_right(client: TestClient, label: str,
                                                             width: int) -> None:
    """Digits drawn dark on light paper (a fine and a thick pen, 300 x 400, JPEG) and
    prepared by the server are read right by the trained network."""
    sheet = Image.new("L", (300, 400), PAPER)
    PEN[label](ImageDraw.Draw(sheet), width)
    r = client.post("/api/images", files={"file": ("photo.jpg", _png(np.asarray(sheet),
                                                                     "JPEG"))},
                    data={"prepare": "digit"})
    assert r.status_code == 200, r.text
    reply = client.post("/api/pyramid", json={"image": {"id": r.json()["id"]},
                                              "model": "digits", "preview": 8})
    probabilities = read_pyramid(reply.content)[0]["probabilities"]
    assert get_model("digits").classes[int(np.argmax(probabilities))] == label
