"""Issue 15 §0 and §3 in real Chromium: grid mode embedded, a heading in every embed view,
themes and compact mode, one layer numbering from the pyramid to ``layer=``, the embed
dialog's URL, links to ``#grid-mode``, and "How was this number computed?" landing on the
cell the student clicked, with the engine's value.
"""

from __future__ import annotations

import re
import urllib.parse
from typing import Any

import pytest

from .conftest import conv_block, encode_config, poll, settle
from .test_patch import Reference

pytestmark = pytest.mark.e2e

VIEWS = ("patch", "pyramid", "layer", "grid")


def pooled() -> dict[str, Any]:
    """conv, conv + max pool, classifier: pyramid layers 1, 2, 3 (the pool) and 4."""
    return {"image": {"sample": "astronaut"}, "color": "auto",
            "layers": [conv_block(maps=2, stride=[2, 2], seed=1),
                       conv_block(maps=3, stride=[2, 2], seed=2, pool="max2"),
                       {"type": "dense", "units": 10, "seed": 3, "activation": "none"}],
            "selected": {"layer": 1, "map": 0}, "scale": "map",
            "anim": {"layer": 1, "map": 0, "step": 0, "flip": 0, "speed": 2, "playing": 0},
            "grid": None}


def embed(base: str, config: dict[str, Any] | None = None, **params: str) -> str:
    query = {**params, **({"s": encode_config(config)} if config else {})}
    return f"{base}/embed?{urllib.parse.urlencode(query)}"


def wait_ready(page: Any) -> None:
    poll(page, "() => document.querySelector('#embed-root')?.dataset.status === 'ready'")


@pytest.mark.parametrize("view", VIEWS)
def test_every_embed_view_has_one_heading_naming_it(page: Any, live_server: str,
                                                    view: str) -> None:
    page.goto(embed(live_server, view=view))
    wait_ready(page)
    headings = page.locator("h1")
    assert headings.count() == 1
    assert headings.first.inner_text().startswith("Convscope: ")
    assert page.get_by_role("heading", level=1).count() == 1  # in the accessibility tree


def test_grid_view_embeds_grid_mode_alone_and_locked_means_unchangeable(
        page: Any, live_server: str) -> None:
    page.goto(embed(live_server, view="grid", controls="locked"))
    poll(page, "() => document.querySelector('#grid-mode [data-role=\"out-shape\"]')")
    for gone in ("#pyramid", "#patch-panel", "#inspector", "#embed-controls"):
        assert page.locator(gone).count() == 0, gone
    grid = page.locator("#grid-mode")
    assert grid.is_visible()
    assert grid.get_by_label("Input width", exact=True).is_disabled()
    assert grid.get_by_label("Padding", exact=True).is_disabled()
    assert not grid.get_by_role("button", name="Play").is_disabled()  # playback always works
    assert grid.get_by_role("button", name="Download as GIF").count() == 0
    poll(page, "() => document.querySelector('#grid-mode').textContent.includes('✓')")


def test_grid_view_without_controls_still_plays(page: Any, live_server: str) -> None:
    page.goto(embed(live_server, view="grid", controls="hidden"))
    poll(page, "() => document.querySelector('#grid-mode [data-role=\"out-shape\"]')")
    assert page.locator("#grid-mode").get_by_label("Input width", exact=True).count() == 0
    page.locator("#grid-mode").get_by_role("button", name="Step forward").click()
    assert "Step 2 of" in page.locator("#grid-mode").inner_text()


def background(page: Any) -> list[int]:
    rgb: str = page.evaluate("() => getComputedStyle(document.body).backgroundColor")
    return [int(v) for v in re.findall(r"\d+", rgb)[:3]]


def test_theme_follows_the_url_then_the_readers_preference(browser: Any,
                                                           live_server: str) -> None:
    for scheme, theme, expected in (("light", None, "light"), ("dark", None, "dark"),
                                    ("dark", "light", "light"), ("light", "dark", "dark")):
        context = browser.new_context(color_scheme=scheme)
        page = context.new_page()
        params = {"view": "pyramid", **({"theme": theme} if theme else {})}
        page.goto(embed(live_server, **params))
        wait_ready(page)
        assert page.evaluate("() => document.documentElement.dataset.theme") == expected
        bright = sum(background(page)) / 3
        assert (bright < 80) if expected == "dark" else (bright > 200), (scheme, theme, bright)
        context.close()


def test_compact_hides_explanations_and_legends(page: Any, live_server: str) -> None:
    page.goto(embed(live_server, view="pyramid"))
    wait_ready(page)
    assert page.locator(".legend-key").is_visible()
    assert page.locator(".pyramid-why").is_visible()
    page.goto(embed(live_server, view="pyramid", compact="1"))
    wait_ready(page)
    assert not page.locator(".legend-key").is_visible()
    assert not page.locator(".pyramid-why").is_visible()
    assert page.locator("#pyramid .tile").first.is_visible()
    page.goto(embed(live_server, view="patch", compact="1"))
    poll(page, "() => window.__convscopePatch && window.__convscopePatch.steps")
    assert not page.locator(".patch-intro").is_visible()


def test_one_layer_numbering_from_the_pyramid_to_layer_param(page: Any,
                                                             live_server: str) -> None:
    config = pooled()
    page.goto(f"{live_server}/?s={encode_config(config)}")
    settle(page)
    names = page.locator("#pyramid .pyr-row .row-name").all_inner_texts()
    assert names == ["Input", "Layer 1", "Layer 2", "Layer 3 · pool", "Layer 4 · classifier"]
    assert page.get_by_role("group", name="Layer 2, then its pool: Layer 3",
                            exact=True).is_visible()
    assert page.get_by_role("group", name="Layer 4", exact=True).is_visible()  # classifier
    # the dialog lists the same names with the number layer= takes
    page.get_by_role("button", name="Embed…").click()
    page.get_by_label("One layer").check()
    options = page.locator("#embed-layer option")
    listed = {options.nth(i).get_attribute("value"): options.nth(i).inner_text()
              for i in range(options.count())}
    assert listed["3"].startswith("Layer 3 · pool: max pool")
    assert listed["4"].startswith("Layer 4 · classifier")
    page.locator("#embed-layer").select_option("3")
    url = page.locator("#embed-url").input_value()
    assert "layer=3" in url
    page.goto(url)
    wait_ready(page)
    assert page.locator("#pyramid .row-name").all_inner_texts() == ["Layer 3 · pool"]
    assert page.locator("#inspector-title").inner_text().startswith("Layer 3 · pool")


def test_dialog_writes_grid_theme_and_compact_and_copies_the_url(page: Any,
                                                                 live_server: str) -> None:
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.goto(f"{live_server}/")
    settle(page)
    page.get_by_role("button", name="Embed…").click()
    page.get_by_label("Grid mode (a small typed grid)").check()
    page.get_by_label("Theme").select_option("dark")
    page.get_by_label("Compact: no explanations nor legends").check()
    url = page.locator("#embed-url").input_value()
    query = urllib.parse.parse_qs(urllib.parse.urlparse(url).query)
    assert query["view"] == ["grid"] and query["theme"] == ["dark"]
    assert query["compact"] == ["1"] and "s" in query
    snippet = page.locator("#embed-snippet").input_value()
    assert url.replace("&", "&amp;") in snippet  # the snippet holds the same URL, escaped
    page.get_by_role("button", name="Copy URL").click()
    poll(page, "() => document.querySelector('.embed-dialog .export-status')"
               ".textContent.includes('URL')")
    assert page.evaluate("() => navigator.clipboard.readText()") == url


@pytest.mark.parametrize("section", ["grid-mode", "patch-panel"])
def test_a_link_to_a_section_lands_there_once_drawn(page: Any, live_server: str,
                                                    section: str) -> None:
    page.goto(f"{live_server}/#{section}")
    settle(page)
    top = poll(page, f"""() => {{ const r = document.getElementById('{section}')
        .getBoundingClientRect();
      return Math.abs(r.top) < 4 && r.height > 200 ? r.top + 1 : 0; }}""")
    assert top
    assert page.evaluate("() => window.scrollY") > 500


def click_tile(page: Any, live_server: str, *, layer: int, map_: int,
               at: tuple[float, float]) -> dict[str, int]:
    """Open the page, click map ``map_`` of ``layer`` in the pyramid at ``at`` (fractions of
    its width and height) and return the hovered cell the page took from the click."""
    page.goto(f"{live_server}/")
    settle(page)
    box = page.locator(f'#pyramid .tile[data-layer="{layer}"][data-map="{map_}"]').bounding_box()
    page.mouse.click(box["x"] + box["width"] * at[0], box["y"] + box["height"] * at[1])
    hover: dict[str, int] = page.evaluate("() => window.__convscope.store.getState().hover")
    return hover


def test_how_was_this_computed_opens_the_patch_on_that_cell(page: Any,
                                                            live_server: str) -> None:
    hover = click_tile(page, live_server, layer=2, map_=2, at=(0.3, 0.6))
    assert (hover["layer"], hover["map"]) == (2, 2)
    i, j = hover["i"], hover["j"]
    # rows and columns counted from 1 (the inspector redraws on the next animation frame)
    poll(page, f"""() => document.querySelector('#inspector .readout').textContent
        .includes('row {i + 1}, column {j + 1}')""")
    # the inspector's offer (the pyramid's own is tested below)
    how = page.locator("#inspector").get_by_role("button",
                                                 name=re.compile("How was this number computed"))
    assert f"Row {i + 1}, column {j + 1}" in how.inner_text()
    how.click()
    width = page.evaluate("() => window.__convscope.store.getState().pyramid.header"
                          ".layers[2].shape[2]")
    poll(page, f"() => window.__convscopePatch && window.__convscopePatch.steps"
               f" && window.__convscopePatch.step === {i * width + j}")
    where = poll(page, """() => { const el = document.querySelector(
        '#patch-panel [data-role="where"]'); return el && el.textContent; }""")
    assert f"output cell row {i + 1}, column {j + 1}." in where
    anim = page.evaluate("() => window.__convscope.store.getState().anim")
    assert (anim["layer"], anim["map"], anim["playing"]) == (2, 2, 0)
    row, col, height, w = anim["region"]  # a 256 x 256 map: zoomed on a region holding it
    assert row <= i < row + height and col <= j < col + w
    engine_text = page.locator('#patch-panel [data-role="engine"]').inner_text()
    ref = Reference(page, live_server)
    expected = float(ref.output(2, 2)[i, j])
    assert float(engine_text.replace("−", "-")) == pytest.approx(expected, rel=1e-4, abs=1e-6)
    output_text = page.locator('#patch-panel [data-role="output"]').inner_text()
    shown = output_text.replace("−", "-").split("=")[-1]  # "ReLU(-7.81e-4) = 0" -> "0"
    assert float(shown) == pytest.approx(expected, rel=1e-3, abs=1e-4)
    # scrolled into view (smoothly: the answers above can all arrive before the scroll ends)
    poll(page, "() => document.getElementById('patch-panel').getBoundingClientRect().top < 200")


def test_preset_maps_say_what_they_find_in_plain_words(page: Any, live_server: str) -> None:
    page.goto(f"{live_server}/")
    settle(page)
    words = page.locator('#pyramid .pyr-row[data-layer="1"] .tile-words')
    assert words.all_inner_texts() == ["vertical edges", "horizontal edges",
                                       "outlines and spots", "blur"]
    assert words.first.get_attribute("title") == "Sobel x kernel"
    assert page.locator('#pyramid .pyr-row[data-layer="2"] .tile-words:visible').count() == 0
    assert "Why a pyramid" in page.locator(".pyramid-why").inner_text()


def test_geometry_writes_big_numbers_in_words(page: Any, live_server: str) -> None:
    page.goto(f"{live_server}/")
    settle(page)
    text = " ".join(page.locator("#geometry").inner_text().split())
    assert "e+" not in text
    # layer 1: 4 maps x 27 weights x 512 x 512 cells; a dense layer would need 786,432 x
    # 1,048,576 weights
    assert "28 million multiply-adds" in text, text
    assert re.search(r"\d+(\.\d)? billion times more", text), text


@pytest.mark.parametrize("view", VIEWS)
def test_the_default_height_fits_the_view_at_900_and_390_px(browser: Any, live_server: str,
                                                             view: str) -> None:
    for width in (900, 390):
        context = browser.new_context(viewport={"width": width, "height": 800})
        page = context.new_page()
        page.goto(embed(live_server, view=view, **({"layer": "1"} if view == "layer" else {})))
        wait_ready(page)
        if view == "patch":
            poll(page, "() => window.__convscopePatch && window.__convscopePatch.steps")
        if view == "grid":
            poll(page, "() => document.querySelector('#grid-mode').textContent.includes('✓')")
        page.wait_for_timeout(800)
        needed = page.evaluate("() => Math.ceil(document.getElementById('embed-root')"
                               ".getBoundingClientRect().height)")
        given = page.evaluate(f"""() => import('/static/js/embed/snippet.js')
            .then((m) => m.defaultHeight('{view}', '{width}'))""")
        assert needed <= given, (view, width, needed, given)
        assert given - needed < 200, (view, width, needed, given)  # and not far too tall
        context.close()


def test_a_click_on_a_map_offers_how_at_that_cell(page: Any, live_server: str) -> None:
    hover = click_tile(page, live_server, layer=1, map_=3, at=(0.45, 0.4))
    offer = page.locator("#pyramid .how-float")
    assert offer.is_visible()
    assert f"(row {hover['i'] + 1}, column {hover['j'] + 1})" in offer.inner_text()
    offer.click()
    poll(page, f"() => window.__convscopePatch && window.__convscopePatch.steps"
               f" && window.__convscopePatch.step === {hover['i'] * 512 + hover['j']}")
    anim = page.evaluate("() => window.__convscope.store.getState().anim")
    assert (anim["layer"], anim["map"]) == (1, 3)
    # pooling has no weights to show: no offer there
    pool = page.locator('#pyramid .tile[data-layer="4"][data-map="0"]')
    pool.scroll_into_view_if_needed()
    pool.click()
    assert not page.locator("#pyramid .how-float").is_visible()
