"""Accessibility beyond zero violations (issue 17): a skip link past the layer editor, Home
and End in the map grid, the animated figures named as such and described by their key
hints, and header cells in the arithmetic tables."""

from __future__ import annotations

from typing import Any

from .conftest import page_state, settle


def test_the_first_tab_stop_skips_the_layer_editor_to_the_feature_maps(
        loaded_page: Any) -> None:
    page = loaded_page
    page.keyboard.press("Tab")
    first = page.evaluate("() => [document.activeElement.className, "
                          "document.activeElement.textContent]")
    assert first[0] == "skip-link" and "feature maps" in first[1]
    assert page.locator(".skip-link").bounding_box()["y"] >= 0  # shown while focused
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    inside = page.evaluate(
        "() => document.getElementById('pyramid-panel').contains(document.activeElement)")
    assert inside, "the next tab stop should be in the feature maps, not the editor"


def test_home_and_end_go_to_the_first_and_last_map_of_a_layer(loaded_page: Any) -> None:
    page = loaded_page
    page.locator('#pyramid .tile[data-layer="1"][data-map="1"]').click()
    maps = page_state(page)["header"]["layers"][1]["shape"][0]
    page.keyboard.press("End")
    assert page_state(page)["selected"] == {"layer": 1, "map": maps - 1}
    page.keyboard.press("Home")
    assert page_state(page)["selected"] == {"layer": 1, "map": 0}
    focused = page.evaluate("() => document.activeElement.dataset.map")
    assert focused == "0"


def test_animated_figures_have_a_role_and_point_at_their_key_hints(loaded_page: Any) -> None:
    page = loaded_page
    for stage in (".patch-stage", ".grid-stage"):
        info = page.evaluate("""(sel) => { const el = document.querySelector(sel);
            const hint = document.getElementById(el.getAttribute('aria-describedby'));
            return { role: el.getAttribute('role'), tab: el.tabIndex,
                     hint: hint && hint.textContent }; }""", stage)
        assert info["role"] == "application" and info["tab"] == 0, info
        assert info["hint"] and "Space" in info["hint"] and "Home" in info["hint"], info


def test_arithmetic_tables_have_row_and_column_headers(loaded_page: Any) -> None:
    page = loaded_page
    page.locator("#patch-panel").scroll_into_view_if_needed()
    page.wait_for_selector(".patch-mat td[data-value]", state="attached", timeout=20_000)
    tables = page.evaluate("""() => [...document.querySelectorAll('.patch-mat')].map((t) => ({
        role: t.dataset.role, cols: t.querySelectorAll('thead th[scope=col]').length,
        rows: t.querySelectorAll('tbody th[scope=row]').length,
        width: t.querySelector('tbody tr').querySelectorAll('td').length,
        height: t.querySelectorAll('tbody tr').length }))""")
    assert {t["role"] for t in tables} >= {"values", "weights", "products"}
    for t in tables:
        assert t["cols"] == t["width"] + 1 and t["rows"] == t["height"], t
    settle(page)
