"""``/api/export/*``: the files match what the rest of the API computes, bad requests get a
422 naming the field and the limit, and the work runs on the worker pool."""

from __future__ import annotations

import io
import json
import struct
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image

from app.main import create_app
from app.settings import Settings

LAYERS: list[dict[str, Any]] = [
    {"type": "conv", "weights": {"presets": ["sobel_x", "random", "gaussian_blur"], "seed": 3},
     "filters": 3, "kernel_size": 3, "stride": 2, "padding": "same", "activation": "relu"},
    {"type": "maxpool", "size": 3, "stride": 2, "padding": "same"},
    {"type": "conv", "weights": {"random": 5}, "filters": 4, "kernel_size": 3, "dilation": 2},
    {"type": "dense", "units": 5, "weights": {"random": 6}},
]
BASE = {"image": {"sample": "camera"}, "color": "auto", "layers": LAYERS}
EXPORTS = ("pytorch", "png", "npy", "gif")
EXTRA: dict[str, dict[str, Any]] = {"pytorch": {}, "png": {"layer": 1}, "npy": {"layer": 1},
                                    "gif": {"layer": 1, "frames": 4, "size": 64}}


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    settings = Settings(working_size=48, export_gif_max_frames=40, export_gif_max_size=200,
                        export_png_max_pixels=200_000)
    with TestClient(create_app(settings)) as c:
        yield c


def _tensor(client: TestClient, layer: int) -> np.ndarray:
    response = client.post("/api/pyramid/tensor", json={**BASE, "layer": layer})
    assert response.status_code == 200, response.text
    body = response.content
    (length,) = struct.unpack("<I", body[4:8])
    header = json.loads(body[8:8 + length])
    start = 8 + length + (-(8 + length) % 4)
    return np.frombuffer(body[start:], dtype="<f4").reshape(header["shape"])


@pytest.mark.parametrize("layer", [0, 1, 2, 3, 4])
def test_npy_of_a_layer_equals_the_exact_tensor_endpoint(client: TestClient,
                                                          layer: int) -> None:
    response = client.post("/api/export/npy", json={**BASE, "layer": layer})
    assert response.status_code == 200, response.text
    assert f"layer{layer}-all.npy" in response.headers["content-disposition"]
    values = np.load(io.BytesIO(response.content), allow_pickle=False)
    np.testing.assert_array_equal(values, _tensor(client, layer))


def test_npy_of_one_map_is_that_map(client: TestClient) -> None:
    response = client.post("/api/export/npy", json={**BASE, "layer": 1, "map": 2})
    values = np.load(io.BytesIO(response.content), allow_pickle=False)
    np.testing.assert_array_equal(values, _tensor(client, 1)[2])


def test_png_of_a_map_has_scale_pixels_per_cell(client: TestClient) -> None:
    maps = _tensor(client, 1)
    response = client.post("/api/export/png", json={**BASE, "layer": 1, "map": 0, "scale": 3})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "image/png"
    image = Image.open(io.BytesIO(response.content))
    assert image.size == (maps.shape[2] * 3, maps.shape[1] * 3)


def test_png_of_a_layer_is_a_grid_of_all_its_maps(client: TestClient) -> None:
    response = client.post("/api/export/png", json={**BASE, "layer": 3, "shared_range": True})
    assert response.status_code == 200, response.text
    _, h, w = _tensor(client, 3).shape
    image = Image.open(io.BytesIO(response.content))
    assert image.size[0] >= 2 * w and image.size[1] >= 2 * h  # 4 maps -> 2 x 2


def test_gif_animates_a_conv_layer_with_one_frame_per_position_up_to_the_cap(
        client: TestClient) -> None:
    response = client.post("/api/export/gif", json={**BASE, "layer": 1, "map": 1,
                                                    "frames": 30, "size": 160})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "image/gif"
    image = Image.open(io.BytesIO(response.content))
    assert 2 <= image.n_frames <= 31


def test_gif_of_a_pooling_layer_works(client: TestClient) -> None:
    response = client.post("/api/export/gif", json={**BASE, "layer": 2, "map": 0,
                                                    "frames": 10, "size": 100})
    assert response.status_code == 200, response.text


def test_pytorch_export_is_python_that_names_the_image_shape(client: TestClient) -> None:
    response = client.post("/api/export/pytorch", json=BASE)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/x-python")
    source = response.text
    compile(source, "convscope_stack.py", "exec")
    c, h, w = _tensor(client, 0).shape
    assert f"INPUT_SHAPE = ({c}, {h}, {w})" in source


@pytest.mark.torch
def test_pytorch_export_reproduces_the_served_maps(client: TestClient) -> None:
    torch = pytest.importorskip("torch")
    namespace: dict[str, Any] = {}
    exec(compile(client.post("/api/export/pytorch", json=BASE).text, "<export>", "exec"),
         namespace)
    x = torch.from_numpy(_tensor(client, 0).copy())[None]
    got = namespace["feature_maps"](namespace["build_model"](), x)
    for layer in range(1, len(LAYERS) + 1):
        want = _tensor(client, layer)
        scale = max(float(np.abs(want).max()), 1e-6)
        np.testing.assert_allclose(got[layer - 1][0].numpy(), want, rtol=1e-4,
                                   atol=1e-4 * scale, err_msg=f"layer {layer}")


def _error(response: Any) -> dict[str, Any]:
    assert response.status_code == 422, response.text
    body = response.json()
    return body["error"] if "error" in body else body["detail"][0]


@pytest.mark.parametrize(("path", "extra", "field"), [
    ("npy", {"layer": 9}, "layer"),
    ("png", {"layer": 1, "map": 3}, "map"),
    ("gif", {"layer": 4}, "layer"),                 # dense: no sliding window
    ("gif", {"layer": 1, "frames": 41}, "frames"),  # over export_gif_max_frames
    ("gif", {"layer": 1, "size": 201}, "size"),     # over export_gif_max_size
    ("png", {"layer": 0, "scale": 32}, "scale"),    # over export_png_max_pixels
    ("png", {"layer": 1, "colormap": "jet"}, "colormap"),
    ("npy", {}, "layer"),
])
def test_bad_exports_get_a_422_naming_the_field(client: TestClient, path: str,
                                                extra: dict[str, Any], field: str) -> None:
    error = _error(client.post(f"/api/export/{path}", json={**BASE, **extra}))
    assert field in error["field"]
    assert field in (error.get("message") or error.get("msg"))


# the engine passes an overflow on without NumPy's warning (nothing in the server's log)
@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize(("path", "extra"), [("png", {"layer": 3, "map": 0}),
                                             ("gif", {"layer": 2, "map": 0, "size": 64})])
def test_an_overflowing_layer_is_a_422_naming_it(client: TestClient, path: str,
                                                 extra: dict[str, Any]) -> None:
    huge = {"type": "conv", "weights": [[[[3e38]]]]}
    grey = {"type": "conv", "weights": [[[[1.0]], [[1.0]], [[1.0]]]]}
    body = {"image": {"sample": "chelsea"}, "layers": [grey, huge, huge], **extra}
    error = _error(client.post(f"/api/export/{path}", json=body))
    assert error["message"].startswith(f"layer {extra['layer']}: some values are not finite")


def test_over_cap_message_gives_the_estimate_and_the_limit(client: TestClient) -> None:
    error = _error(client.post("/api/export/gif", json={**BASE, "layer": 1, "frames": 41}))
    assert "41" in error["message"] and "40" in error["message"] and error["limit"] == "<= 40"


@pytest.mark.parametrize("path", EXPORTS)
def test_unknown_image_id_is_a_404_so_the_client_uploads_again(client: TestClient,
                                                               path: str) -> None:
    body = {**BASE, "image": {"id": "0" * 64}, **EXTRA[path]}
    response = client.post(f"/api/export/{path}", json=body)
    assert response.status_code == 404
    assert "upload" in response.json()["error"]["message"]


@pytest.mark.parametrize("path", EXPORTS)
def test_openapi_documents_every_status_and_the_body_of_every_export(client: TestClient,
                                                                     path: str) -> None:
    schema = client.get("/openapi.json").json()
    operation = schema["paths"][f"/api/export/{path}"]["post"]
    assert {"200", "404", "413", "422", "503"} <= set(operation["responses"])
    ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert ref.rsplit("/", 1)[1] in schema["components"]["schemas"]


@pytest.mark.parametrize("path", EXPORTS)
def test_exports_parse_and_draw_on_a_worker_thread(client: TestClient, path: str,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    from app.export import service
    from app.services import requests as request_parsing

    threads: dict[str, str] = {}
    for module, name in ((service, f"export_{path}"), (request_parsing, "parse_body")):
        original = getattr(module, name)

        def spy(*args: Any, _original: Any = original, _name: str = name, **kw: Any) -> Any:
            threads[_name] = threading.current_thread().name
            return _original(*args, **kw)

        monkeypatch.setattr(module, name, spy)
    monkeypatch.setattr("app.routes.export.parse_body", request_parsing.parse_body)
    response = client.post(f"/api/export/{path}", json={**BASE, **EXTRA[path]})
    assert response.status_code == 200, response.text
    assert threads[f"export_{path}"].startswith("convscope-worker"), threads
    assert threads["parse_body"].startswith("convscope-worker"), threads


def test_every_response_carries_the_security_headers(client: TestClient) -> None:
    response = client.post("/api/export/npy", json={**BASE, "layer": 0})
    assert "frame-ancestors" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"


GRID = {"input": [[float(i * 5 + j) for j in range(5)] for i in range(5)],
        "layers": [{"type": "conv", "weights": [[[[0, 1, 0], [1, -4, 1], [0, 1, 0]]]],
                    "stride": 2, "padding": 1}],
        "layer": 1, "size": 196}  # 7 padded cells of 28 px: room for the values


def test_grid_gif_is_the_convolution_arithmetic_figure(client: TestClient) -> None:
    response = client.post("/api/export/gif/grid", json=GRID)
    assert response.status_code == 200, response.text
    image = Image.open(io.BytesIO(response.content))
    assert image.n_frames == 9  # 3 x 3 output positions, one frame each
    plain = client.post("/api/export/gif/grid", json={**GRID, "numbers": False})
    assert plain.status_code == 200 and plain.content != response.content  # values drawn


@pytest.mark.parametrize(("change", "field"), [
    ({"input": [[0.0] * 300]}, "input"),                                    # over max side
    ({"layers": [{"type": "dense", "units": 2}]}, "layer"),
    ({"layers": [{"type": "conv", "kernel_size": 7}]}, "kernel_size"),      # 7 > 5
])
def test_bad_grid_gifs_get_a_422_naming_the_field(client: TestClient, change: dict[str, Any],
                                                   field: str) -> None:
    error = _error(client.post("/api/export/gif/grid", json={**GRID, **change}))
    assert field in error["field"]


def test_openapi_documents_the_grid_gif_statuses(client: TestClient) -> None:
    operation = client.get("/openapi.json").json()["paths"]["/api/export/gif/grid"]["post"]
    assert {"200", "413", "422", "503"} <= set(operation["responses"])
