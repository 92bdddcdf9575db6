"""``convscope render``: every map of every layer as PNG plus a geometry.json per layer."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from app.cli import main
from app.settings import BUNDLED_SAMPLES

LAYERS = [
    {"type": "conv", "weights": {"presets": ["sobel_x", "sobel_y"]}, "filters": 2,
     "kernel_size": 3, "stride": 2, "padding": "same"},
    {"type": "relu"},
    {"type": "maxpool", "size": 2},
    {"type": "conv", "weights": {"random": 1}, "filters": 3, "kernel_size": 5, "dilation": 2},
]
SAMPLE = BUNDLED_SAMPLES / "chelsea.png"


@pytest.fixture(autouse=True)
def small_working_size(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONVSCOPE_WORKING_SIZE", "64")


def _geometry(folder: Path) -> dict[str, object]:
    return json.loads((folder / "geometry.json").read_text())


def test_writes_a_png_per_map_and_a_geometry_per_layer(tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["render", str(SAMPLE), "--layers", json.dumps(LAYERS), "-o",
                 str(tmp_path)]) == 0
    folders = sorted(p.name for p in tmp_path.iterdir())
    assert folders == ["layer_00_input", "layer_01_conv", "layer_02_relu",
                       "layer_03_maxpool", "layer_04_conv"]
    for folder in folders:
        geometry = _geometry(tmp_path / folder)
        k, h, w = geometry["shape"]  # type: ignore[misc]
        pngs = sorted((tmp_path / folder).glob("map_*.png"))
        assert len(pngs) == k
        assert Image.open(pngs[0]).size == (w, h)
    assert "wrote 12 maps in 5 layer folders" in capsys.readouterr().out


def test_geometry_json_has_the_api_fields_and_value_ranges(tmp_path: Path) -> None:
    main(["render", str(SAMPLE), "--layers", json.dumps(LAYERS), "-o", str(tmp_path)])
    conv = _geometry(tmp_path / "layer_01_conv")
    assert conv["type"] == "conv" and conv["stride"] == [2, 2]
    assert {"padding", "receptive_field", "formula", "macs", "maps"} <= set(conv)
    first_map = conv["maps"][0]  # type: ignore[index]
    assert first_map["min"] <= first_map["max"]
    assert _geometry(tmp_path / "layer_00_input")["image"]["name"] == "chelsea.png"  # type: ignore[index]


def test_preview_shrinks_maps_by_block_means(tmp_path: Path) -> None:
    main(["render", str(SAMPLE), "--layers", json.dumps(LAYERS), "-o", str(tmp_path),
          "--preview", "16", "--scale", "2"])
    geometry = _geometry(tmp_path / "layer_00_input")
    image = Image.open(tmp_path / "layer_00_input" / "map_000.png")
    assert max(image.size) <= 32 and geometry["preview_factor"] > 1


def test_layers_file_may_be_a_saved_pyramid_request(tmp_path: Path) -> None:
    request = tmp_path / "request.json"
    request.write_text(json.dumps({"image": {"sample": "chelsea"}, "layers": LAYERS[:1]}))
    assert main(["render", str(SAMPLE), "--layers", str(request), "-o",
                 str(tmp_path / "out")]) == 0
    assert (tmp_path / "out" / "layer_01_conv" / "map_001.png").exists()


def test_grey_maps_are_the_exact_values_scaled(tmp_path: Path) -> None:
    main(["render", str(SAMPLE), "--layers", "[]", "-o", str(tmp_path), "--color", "grey",
          "--colormap", "grey"])
    png = np.asarray(Image.open(tmp_path / "layer_00_input" / "map_000.png").convert("L"))
    assert png.min() == 0 and png.max() == 255


@pytest.mark.parametrize(("layers", "needle"), [
    ("[{", "valid JSON"),
    ('[{"type": "conv", "strides": 2}]', "strides"),
    ('[{"type": "conv", "kernel_size": 99}]', "kernel"),
    ('[{"type": "conv", "kernel_size": 9, "dilation": 8}]', "larger than the padded input"),
])
def test_bad_layers_exit_2_with_a_message_naming_the_problem(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], layers: str, needle: str) -> None:
    assert main(["render", str(SAMPLE), "--layers", layers, "-o", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("convscope render: error:") and needle in err


def test_a_file_that_is_not_an_image_exits_2(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    fake = tmp_path / "notes.png"
    fake.write_text("<svg></svg>")
    assert main(["render", str(fake), "--layers", "[]", "-o", str(tmp_path / "o")]) == 2
    assert "convscope render: error:" in capsys.readouterr().err
