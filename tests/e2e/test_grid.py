"""Grid mode in real Chromium: the output size and formula for stride / padding / dilation,
the output values (from POST /api/convolve) held against app.engine computed here, the
step-by-step arithmetic, typed cells, the empty-output explanation, and the URL round trip."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from app import engine

from .conftest import encode_config, poll

pytestmark = pytest.mark.e2e

GRID = "#grid-mode"


def grid_url(base: str, grid: dict[str, Any] | None) -> str:
    """The page's URL with a grid-mode state (``?s=`` base64url JSON, as state.js)."""
    config: dict[str, Any] = {
        "image": {"sample": "astronaut"}, "color": "auto", "layers": [],
        "selected": {"layer": 0, "map": 0}, "scale": "map", "anim": None, "grid": grid}
    return f"{base}/?s={encode_config(config)}"


def server_checked(page: Any) -> str:
    """Wait for the server's answer to be compared with the arithmetic; return the verdict."""
    text: str = poll(page, "() => document.querySelector('#grid-mode "
                                 "[data-role=\"server-check\"]')?.textContent")
    return text


READ = """() => {
  const root = document.querySelector('#grid-mode');
  const num = (el) => (el && el.dataset.value !== undefined ? Number(el.dataset.value) : null);
  const one = (role) => num(root.querySelector(`[data-role="${role}"]`));
  const cells = (fig, role) => [...fig.querySelectorAll(`[data-role="${role}"] td`)].map(num);
  return { step: window.__convscopeGrid.step, steps: window.__convscopeGrid.steps,
    outShape: root.querySelector('[data-role="out-shape"]')?.textContent ?? '',
    outCells: root.querySelectorAll('.out-cell').length,
    channels: [...root.querySelectorAll('.patch-channel')].map((fig) => ({
      values: cells(fig, 'values'), weights: cells(fig, 'weights'),
      products: cells(fig, 'products') })),
    total: one('total'), pre: one('pre'), output: one('output'), engine: one('engine'),
    check: root.querySelector('[data-role="check"]')?.textContent ?? '',
    formulas: [...root.querySelectorAll('.grid-formula')].map((p) => p.textContent),
    padCells: root.querySelectorAll('.cell-pad').length };
}"""


def read(page: Any, step: int | None = None) -> dict[str, Any]:
    want = "true" if step is None else f"window.__convscopeGrid.step === {step}"
    poll(page, f"() => window.__convscopeGrid && {want} && document.querySelector("
                     "'#grid-mode [data-role=\"engine\"][data-value]')")
    numbers: dict[str, Any] = page.evaluate(READ)
    return numbers


def open_grid(page: Any, url: str) -> None:
    page.goto(url)
    page.locator(GRID).scroll_into_view_if_needed()


def reference(grid: dict[str, Any]) -> np.ndarray:
    """The grid's output computed here with the engine (explicit or mode padding)."""
    c, h, w, kh, kw = grid["c"], grid["h"], grid["w"], grid["kh"], grid["kw"]
    x = np.array([float(v) for v in grid["x"].split(",")], np.float32).reshape(c, h, w)
    k = np.array([float(v) for v in grid["k"].split(",")], np.float32).reshape(1, c, kh, kw)
    maps = engine.conv2d(x, k, np.array([grid["b"]], np.float32), stride=grid["s"],
                         padding=grid["p"], dilation=grid["d"])
    return np.asarray(maps[0])


def make_grid(**over: Any) -> dict[str, Any]:
    rng = np.random.default_rng(over.pop("seed", 0))
    grid: dict[str, Any] = {"h": 6, "w": 5, "c": 1, "kh": 3, "kw": 3, "b": 0.5, "s": [2, 2],
                            "d": [1, 1], "p": "same", "step": 0, "flip": 0, "speed": 2}
    grid.update(over)
    n_x = grid["c"] * grid["h"] * grid["w"]
    n_k = grid["c"] * grid["kh"] * grid["kw"]
    grid.setdefault("x", ",".join(str(v) for v in rng.integers(0, 10, n_x)))
    grid.setdefault("k", ",".join(str(v) for v in rng.integers(-2, 3, n_k)))
    return grid


def test_stride_two_same_padding_gives_the_engines_output(page: Any, live_server: str) -> None:
    grid = make_grid()  # 6 x 5, k 3, stride 2, "same": padding top 0, bottom 1, left/right 1
    open_grid(page, grid_url(live_server, grid))
    assert "✓" in server_checked(page)
    first = read(page, 0)
    assert first["outShape"] == "3 × 3"
    assert first["outCells"] == 9
    padding = page.locator(f"{GRID} [data-role='formulas']").text_content() or ""
    assert "top 0, bottom 1, left 1, right 1" in padding
    assert "extra zero goes at the bottom/right" in padding
    expected = reference(grid)
    assert expected.shape == (3, 3)
    page.locator(f"{GRID} .grid-stage").focus()
    for step in range(9):
        numbers = read(page, step)
        row, col = divmod(step, 3)
        assert numbers["output"] == pytest.approx(float(expected[row, col]), abs=1e-5)
        assert numbers["engine"] == pytest.approx(float(expected[row, col]), abs=1e-5)
        assert "✓" in numbers["check"]
        products = numbers["channels"][0]["products"]
        assert products == [v * w for v, w in zip(numbers["channels"][0]["values"],
                                                  numbers["channels"][0]["weights"],
                                                  strict=True)]
        assert numbers["pre"] == pytest.approx(sum(products) + 0.5, abs=1e-5)
        page.keyboard.press("ArrowRight")
    texts = page.locator(f"{GRID} .out-cell.is-done text").all_text_contents()
    assert [float(t.replace("\u2212", "-")) for t in texts] == pytest.approx(
        expected.ravel().tolist(), abs=1e-3)


def test_controls_change_stride_padding_and_the_formula(page: Any, live_server: str) -> None:
    open_grid(page, grid_url(live_server, None))
    server_checked(page)
    assert read(page)["outShape"] == "3 × 3"  # 5 x 5 input, 3 x 3 kernel, valid
    scope = page.locator(GRID)
    scope.get_by_label("Stride (rows)", exact=True).fill("2")
    scope.get_by_label("Stride (rows)", exact=True).press("Tab")
    scope.get_by_label("Stride (columns)", exact=True).fill("2")
    scope.get_by_label("Stride (columns)", exact=True).press("Tab")
    scope.get_by_label("Padding", exact=True).select_option("same")
    poll(page, "() => document.querySelector('#grid-mode [data-role=\"out-shape\"]')"
                     ".textContent === '3 × 3' && document.querySelectorAll("
                     "'#grid-mode .cell-pad').length === 24")
    numbers = read(page)
    assert numbers["formulas"][0] == ("height: floor((5 + 1 + 1 − 1·(3 − 1) − 1) / 2) + 1 "
                                      "= floor(4 / 2) + 1 = 3")
    scope.get_by_label("Padding", exact=True).select_option("custom")
    scope.get_by_label("Padding top", exact=True).fill("3")
    scope.get_by_label("Padding top", exact=True).press("Tab")
    poll(page, "() => document.querySelector('#grid-mode [data-role=\"out-shape\"]')"
                     ".textContent === '3 × 4'")  # W x H: 3 wide, 4 high
    assert "✓" in server_checked(page)
    for label in ("Input height", "Input width", "Channels", "Kernel height", "Kernel width",
                  "Dilation (rows)", "Dilation (columns)", "Bias", "Input preset",
                  "Kernel preset"):
        assert scope.get_by_label(label, exact=True).count() == 1, label


def test_an_impossible_setting_explains_the_empty_output(page: Any, live_server: str) -> None:
    grid = make_grid(h=3, w=8, d=[2, 1], p="valid")
    open_grid(page, grid_url(live_server, grid))
    message = page.locator(f"{GRID} .grid-empty")
    message.wait_for()
    text = message.text_content() or ""
    assert "height" in text and "spans 5 cells" in text and "only 3" in text
    assert page.evaluate("() => window.__convscopeGrid.steps") == 0
    assert page.locator(f"{GRID} .out-cell").count() == 0
    assert page.locator(GRID).get_by_role("button", name="Play").is_disabled()


def test_a_stride_longer_than_the_kernel_shades_every_row_it_skips(page: Any,
                                                                  live_server: str) -> None:
    # 8 x 8, 3 x 3, stride 4, valid: windows read rows/columns 0-2 and 4-6; 3 and 7 never
    grid = make_grid(h=8, w=8, s=[4, 4], p="valid")
    open_grid(page, grid_url(live_server, grid))
    assert "✓" in server_checked(page)
    assert read(page)["outShape"] == "2 × 2"
    message = page.locator(f"{GRID} [data-role='unreached']").text_content() or ""
    # counted from 1, as the page counts rows and columns everywhere
    assert message.startswith("2 rows (4 and 8) and 2 columns (4 and 8) of the input are "
                              "never read")
    shaded = page.evaluate("""() => [...document.querySelectorAll('#grid-mode .cell-unreached')]
      .map((r) => [Number(r.getAttribute('y')), Number(r.getAttribute('x'))])""")
    cell = page.evaluate("() => Number(document.querySelector('#grid-mode .cell-input')"
                         ".getAttribute('width'))")
    cells = {(int(y // cell), int(x // cell)) for y, x in shaded}
    assert cells == {(r, c) for r in range(8) for c in range(8) if r in (3, 7) or c in (3, 7)}


def test_typing_a_cell_recomputes_on_the_server(page: Any, live_server: str) -> None:
    grid = make_grid(p="valid", s=[1, 1], b=0, k="1,0,0,0,0,0,0,0,0")
    open_grid(page, grid_url(live_server, grid))
    server_checked(page)
    before = read(page, 0)["engine"]
    cell = page.locator(GRID).get_by_label("Input channel 1, row 1, column 1", exact=True)
    cell.fill(str(before + 10))
    cell.press("Tab")
    poll(page, f"() => Number(document.querySelector('#grid-mode [data-role=\"engine\"]')"
                     f"?.dataset.value) === {before + 10}")
    assert "✓" in server_checked(page)
    focused = page.evaluate("() => document.activeElement.getAttribute('aria-label')")
    assert focused == "Input channel 1, row 1, column 2"  # typing keeps the keyboard flow


def test_several_channels_are_summed(page: Any, live_server: str) -> None:
    grid = make_grid(c=2, h=4, w=4, s=[1, 1], p="full", d=[1, 1], seed=4)
    open_grid(page, grid_url(live_server, grid))
    assert "✓" in server_checked(page)
    numbers = read(page, 0)
    assert len(numbers["channels"]) == 2
    assert "Sum over all 2 input channels" in (page.locator(
        f"{GRID} [data-role='total-label']").text_content() or "")
    assert numbers["outShape"] == "6 × 6"
    assert numbers["output"] == pytest.approx(float(reference(grid)[0, 0]), abs=1e-5)


def test_flipping_rotates_the_kernel_in_the_arithmetic(page: Any, live_server: str) -> None:
    grid = make_grid(p="valid", s=[1, 1], k="1,2,3,4,5,6,7,8,9", flip=1, b=0)
    open_grid(page, grid_url(live_server, grid))
    numbers = read(page, 0)
    assert numbers["channels"][0]["weights"] == [9, 8, 7, 6, 5, 4, 3, 2, 1]
    x = np.array([float(v) for v in grid["x"].split(",")]).reshape(6, 5)
    true_conv = float((x[:3, :3] * np.arange(9, 0, -1).reshape(3, 3)).sum())
    assert numbers["output"] == pytest.approx(true_conv)
    assert numbers["engine"] == pytest.approx(float(reference(grid)[0, 0]))  # PyTorch's


def test_the_grid_survives_a_reload(page: Any, live_server: str) -> None:
    open_grid(page, grid_url(live_server, None))
    server_checked(page)
    scope = page.locator(GRID)
    scope.get_by_label("Kernel width", exact=True).fill("2")
    scope.get_by_label("Kernel width", exact=True).press("Tab")
    scope.get_by_label("Dilation (rows)", exact=True).fill("2")
    scope.get_by_label("Dilation (rows)", exact=True).press("Tab")
    server_checked(page)
    page.locator(f"{GRID} .grid-stage").focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    state = read(page, 2)
    poll(page, "() => { const s = new URLSearchParams(location.search).get('s');"
                     " if (!s) return false; const c = JSON.parse(atob(s.replace(/-/g, '+')"
                     ".replace(/_/g, '/'))); return c.grid && c.grid.step === 2; }")
    shared = page.url
    page.goto("about:blank")
    open_grid(page, shared)
    again = read(page, 2)
    assert again["outShape"] == state["outShape"] == "4 × 1"  # W x H
    assert again["output"] == state["output"]
    assert scope.get_by_label("Kernel width", exact=True).input_value() == "2"
    stored = page.evaluate("() => window.__convscope.store.getState().grid")
    assert isinstance(stored["x"], str)  # compact: values joined, not nested lists
