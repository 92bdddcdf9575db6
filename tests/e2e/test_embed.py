"""The embed view in real Chromium: it shows only the piece its URL asks for, with its
controls usable, locked or not rendered; inside a course page on another origin it reports
its height and state to that page, obeys ``set-state`` from it and ignores the same message
from an origin outside the allow-list; the page's Embed dialog writes a correct iframe.
"""

from __future__ import annotations

import html.parser
import urllib.parse
from typing import Any

import pytest

from .conftest import EmbedSites, conv_block, decode_config, encode_config, page_state, poll, settle

pytestmark = pytest.mark.e2e

HOST_PATH = "/week-3.html"
INTRUDER_PATH = "/intruder.html"
CONFIG_KEYS = ("image", "color", "layers", "selected", "scale", "anim", "grid")


def scenario(**over: Any) -> dict[str, Any]:
    """A teacher's pinned scenario: stride 2, same padding, Sobel x on the astronaut."""
    config = {"image": {"sample": "astronaut"}, "color": "auto",
              "layers": [conv_block(maps=1, stride=[2, 2], source="presets",
                                    presets=["sobel_x"], activation="none"),
                         conv_block(maps=3, seed=4)],
              "selected": {"layer": 1, "map": 0}, "scale": "map",
              "anim": {"layer": 1, "map": 0, "step": 0, "flip": 0, "speed": 2, "playing": 0},
              "grid": None}
    config.update(over)
    return config


def embed_url(base: str, config: dict[str, Any], **params: str) -> str:
    query = urllib.parse.urlencode({**params, "s": encode_config(config)})
    return f"{base}/embed?{query}"


def wait_ready(target: Any) -> None:
    """The embed (page or frame) has computed the pyramid of its current settings."""
    poll(target, "() => document.querySelector('#embed-root')?.dataset.status === 'ready'")


def patch_ready(target: Any) -> int:
    steps: int = poll(target, "() => window.__convscopePatch && window.__convscopePatch.steps")
    return steps


def test_patch_view_shows_only_the_animation_and_its_layer(page: Any, live_server: str) -> None:
    page.goto(embed_url(live_server, scenario(), view="patch"))
    assert patch_ready(page) == 256 * 256  # 512 / stride 2 with same padding, per axis
    for chrome in ("#pyramid", "#inspector", "#geometry", "#grid-mode", ".topbar",
                   "#image-panel", "#exports", "#embed-button"):
        assert page.locator(chrome).count() == 0, chrome
    assert page.locator("#patch-panel").is_visible()
    layer1 = page.get_by_role("group", name="Layer 1", exact=True)
    assert layer1.is_visible()
    assert layer1.get_by_label("Stride", exact=True).input_value() == "2x2"
    assert layer1.get_by_label("Map 1 kernel", exact=True).input_value() == "sobel_x"
    assert not page.get_by_role("group", name="Layer 2", exact=True).is_visible()
    assert page.get_by_role("button", name="Add a conv layer").count() == 0
    assert page.locator(".patch-export").count() == 0  # no chrome: downloads live on the page
    assert page.title().startswith("The sliding patch")


def test_layer_view_shows_one_layer_with_its_maps_formula_and_controls(
        page: Any, live_server: str) -> None:
    page.goto(embed_url(live_server, scenario(), view="layer", layer="2"))
    wait_ready(page)
    settle(page)
    rows = page.locator("#pyramid .pyr-row")
    assert rows.count() == 1
    assert rows.first.get_attribute("data-layer") == "2"
    assert rows.first.locator(".row-shape").inner_text() == "256 × 256 × 3"
    assert page.locator("#pyramid .tile").count() == 3
    assert page.locator("#inspector-title").inner_text() == "Layer 2 · map 1 of 3"
    assert "256" in page.locator("#geometry").inner_text()
    assert page.get_by_role("group", name="Layer 2", exact=True).is_visible()
    assert not page.get_by_role("group", name="Layer 1", exact=True).is_visible()
    assert page.locator("#patch-panel").count() == 0
    assert not page.get_by_role("button", name="Animate this map").is_visible()
    page.locator('#pyramid .tile[data-map="2"]').click()
    poll(page, "() => document.querySelector('#inspector-title').textContent"
               ".endsWith('map 3 of 3')")
    # the layer's controls work: 5 maps instead of 3
    page.get_by_role("group", name="Layer 2", exact=True).get_by_label(
        "Feature maps", exact=True).fill("5")
    poll(page, "() => document.querySelectorAll('#pyramid .tile').length === 5")


def test_locked_controls_are_shown_but_cannot_change_the_scenario(
        page: Any, live_server: str) -> None:
    page.goto(embed_url(live_server, scenario(), view="patch", controls="locked"))
    patch_ready(page)
    assert page.get_by_text("Settings (fixed by the author of this page)").is_visible()
    layer1 = page.get_by_role("group", name="Layer 1", exact=True)
    for label in ("Stride", "Padding", "Kernel size", "Map 1 kernel"):
        control = layer1.get_by_label(label, exact=True)
        assert control.is_visible() and control.is_disabled(), label
    for label in ("Animated layer", "Feature map", "Flip the kernel (true convolution)"):
        control = page.locator("#patch-panel").get_by_label(label)
        assert control.is_visible() and control.is_disabled(), label
    # watching still works
    page.get_by_role("button", name="Step forward ▶").click()
    poll(page, "() => window.__convscopePatch.step === 1")
    assert page_state(page)["layers"][0]["stride"] == [2, 2]


def test_hidden_controls_are_not_rendered(page: Any, live_server: str) -> None:
    page.goto(embed_url(live_server, scenario(), view="patch", controls="hidden"))
    patch_ready(page)
    assert page.locator("#stack-editor, #embed-controls, .patch-pickers").count() == 0
    assert page.get_by_label("Stride", exact=True).count() == 0
    assert page.get_by_role("button", name="▶ Play").is_visible()
    page.goto(embed_url(live_server, scenario(), view="pyramid", controls="hidden"))
    wait_ready(page)
    settle(page)
    assert page.locator("#embed-controls, input[name='scale']").count() == 0
    assert page.locator("#pyramid .pyr-row").count() == 3


def test_pyramid_view_folds_every_layers_controls_away(page: Any, live_server: str) -> None:
    page.goto(embed_url(live_server, scenario(), view="pyramid"))
    settle(page)
    assert page.locator("#pyramid .pyr-row").count() == 3
    assert not page.get_by_role("group", name="Layer 1", exact=True).is_visible()
    page.get_by_text("Change the layers").click()
    page.get_by_role("group", name="Layer 2", exact=True).get_by_label(
        "Stride", exact=True).select_option("2x2")
    poll(page, "() => document.querySelector('#pyramid .pyr-row[data-layer=\"2\"] .row-shape')"
               ".textContent === '128 × 128 × 3'")


def host_page(app: str, src: str, other: str) -> str:
    """A course page: the embed, a record of what it posts, and a frame from a third
    origin (which may try to drive the embed)."""
    return f"""<!doctype html><title>Week 3</title><h1>Week 3: stride and padding</h1>
<script>
  window.received = [];
  window.addEventListener("message", (event) => {{
    window.received.push({{ origin: event.origin, data: event.data }});
    if (event.origin === "{app}" && event.data.type === "convscope:height") {{
      document.getElementById("scope").style.height = event.data.height + "px";
    }}
  }});
  window.send = (message) => document.getElementById("scope").contentWindow
    .postMessage(message, "{app}");
</script>
<iframe id="scope" src="{src}" width="900" height="300" style="border: 0"></iframe>
<iframe id="intruder" src="{other}{INTRUDER_PATH}" width="200" height="50"></iframe>"""


INTRUDER_PAGE = """<!doctype html><title>ad</title><script>
  window.attack = (state) => window.parent.frames[0].postMessage(
    { type: "convscope:set-state", state }, "*");
</script>"""


def app_frame(page: Any, app: str) -> Any:
    return next(f for f in page.frames if f.url.startswith(f"{app}/embed"))


def received(page: Any, kind: str) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = page.evaluate(
        f"() => window.received.filter((m) => m.data && m.data.type === 'convscope:{kind}')")
    return messages


@pytest.mark.parametrize("with_origin_param", [True, False], ids=["origin-param", "referrer"])
def test_a_course_page_on_another_origin_gets_height_and_state_and_can_set_the_state(
        page: Any, embed_sites: EmbedSites, with_origin_param: bool) -> None:
    app, host, other = embed_sites.app, embed_sites.host, embed_sites.other
    params = {"view": "layer", "layer": "1", "controls": "locked"}
    if with_origin_param:
        params["origin"] = host.origin
    src = embed_url(app, scenario(), **params)
    host.pages[HOST_PATH] = host_page(app, src, other.origin)
    other.pages[INTRUDER_PATH] = INTRUDER_PAGE
    page.goto(f"{host.origin}{HOST_PATH}")
    frame = app_frame(page, app)
    wait_ready(frame)
    assert frame.evaluate("() => window.__convscopeEmbed.target") == host.origin

    # state: posted on load, to the course page only, with the scenario and its URLs
    poll(page, "() => window.received.some((m) => m.data.type === 'convscope:state')")
    first = received(page, "state")[0]
    assert first["origin"] == app
    assert first["data"]["state"]["layers"][0]["stride"] == [2, 2]
    assert first["data"]["url"].startswith(f"{app}/embed?")
    assert decode_config(urllib.parse.parse_qs(urllib.parse.urlparse(
        first["data"]["url"]).query)["s"][0]) == first["data"]["state"]
    assert first["data"]["appUrl"].startswith(f"{app}/?s=")

    # height: the host grows the iframe to it, and the embed then needs no scrollbar
    poll(page, "() => { const f = document.getElementById('scope'); const h = window.received"
               ".filter((m) => m.data.type === 'convscope:height').map((m) => m.data.height);"
               " return h.length && h[h.length - 1] > 300 && f.clientHeight === h[h.length - 1];"
               " }")
    poll(frame, "() => document.documentElement.scrollHeight <= window.innerHeight + 1")
    assert frame.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")

    # set-state from the course page (an allowed origin) switches the scenario
    page.evaluate("""() => window.send({ type: 'convscope:set-state', state: { layers: [
        { type: 'conv', maps: 2, stride: [1, 1], padding: 'valid', source: 'random',
          seed: 3 }] } })""")
    poll(frame, "() => document.querySelector('#pyramid .pyr-row .row-shape')?.textContent"
                " === '510 × 510 × 2'")
    poll(page, "() => window.received.filter((m) => m.data.type === 'convscope:state')"
               ".some((m) => m.data.state.layers[0].padding === 'valid')")
    wait_ready(frame)

    # the same message from a third origin is ignored (and counted)
    intruder = next(f for f in page.frames if f.url.startswith(other.origin))
    intruder.evaluate("() => window.attack({ layers: [{ type: 'conv', maps: 7 }] })")
    poll(frame, "() => window.__convscopeEmbed.stats.ignored === 1")
    page.wait_for_timeout(300)
    assert frame.evaluate("() => window.__convscope.store.getState().layers[0].maps") == 2
    assert frame.locator("#pyramid .tile").count() == 2
    assert all(m["origin"] == app for m in received(page, "state"))


class _Iframe(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.attrs: dict[str, str | None] = {}
        self.scripts = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "iframe":
            self.attrs = dict(attrs)
        if tag == "script":
            self.scripts += 1


def test_the_embed_dialog_writes_the_iframe_of_the_current_view(
        loaded_page: Any, live_server: str) -> None:
    page = loaded_page
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server)
    page.get_by_role("group", name="Layer 2", exact=True).get_by_label(
        "Stride", exact=True).select_option("1x1")
    settle(page)
    page.get_by_role("button", name="Embed…").click()
    dialog = page.get_by_role("dialog", name="Embed this view in a course page")
    assert dialog.is_visible()
    dialog.get_by_label("One layer").check()
    dialog.get_by_label("Layer", exact=True).select_option("2")
    dialog.get_by_label("locked: shown, cannot be changed").check()
    dialog.get_by_label("Height (px)").fill("640")
    dialog.get_by_label("Your page's origin (optional)").fill("https://course.example.org")
    assert "not in this server's allow-list" in dialog.inner_text()
    snippet = dialog.get_by_label("Snippet").input_value()

    parser = _Iframe()
    parser.feed(snippet)
    attrs = parser.attrs
    assert parser.scripts == 1  # the host script that grows the iframe
    assert attrs["class"] == "convscope-embed"
    assert attrs["width"] == "100%" and attrs["height"] == "640"
    assert "Layer 2" in (attrs["title"] or "")
    src = urllib.parse.urlparse(attrs["src"] or "")
    assert f"{src.scheme}://{src.netloc}" == live_server and src.path == "/embed"
    query = urllib.parse.parse_qs(src.query)
    assert query["view"] == ["layer"] and query["layer"] == ["2"]
    assert query["controls"] == ["locked"]
    assert query["origin"] == ["https://course.example.org"]
    config = page.evaluate(f"""() => {{ const s = window.__convscope.store.getState();
        return Object.fromEntries({list(CONFIG_KEYS)}.map((k) => [k, s[k] ?? null])); }}""")
    assert decode_config(query["s"][0]) == config
    assert config["layers"][1]["stride"] == [1, 1]

    dialog.get_by_role("button", name="Copy", exact=True).click()
    poll(page, "() => document.querySelector('dialog[open]')?.textContent"
               ".includes('Snippet copied')")
    assert page.evaluate("() => navigator.clipboard.readText()") == snippet
    page.keyboard.press("Escape")
    assert not dialog.is_visible()

    page.goto(attrs["src"] or "")
    wait_ready(page)
    settle(page)
    assert page.locator("#pyramid .pyr-row").get_attribute("data-layer") == "2"
    assert page.locator("#pyramid .pyr-row .row-shape").inner_text() == "512 × 512 × 8"
    assert page.get_by_role("group", name="Layer 2", exact=True).get_by_label(
        "Stride", exact=True).is_disabled()
