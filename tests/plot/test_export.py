"""Writing charts to files: static PNG/SVG headless through kaleido and Chromium, and standalone HTML."""

from __future__ import annotations

import pytest

import gigawatt as gw

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def png_size(path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == PNG_MAGIC
    return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")


def test_png_of_the_power_chart(tiny_plan, tmp_path, chromium):
    path = gw.plot.save(tiny_plan.plot.power(), tmp_path / "power.png", width=600, height=400, scale=2)
    assert png_size(path) == (1200, 800)  # CSS pixels x scale


def test_svg_carries_the_chart_text(tiny_plan, tmp_path, chromium):
    path = gw.plot.save(tiny_plan.plot.power(), tmp_path / "power.svg")
    svg = path.read_text()
    assert svg.startswith("<svg") and 'width="700"' in svg and 'height="450"' in svg  # the figure's own height
    for text in ("north_air", "north_liquid", "south_liquid", "ceiling", "Facility power by site against the ceiling"):
        assert text in svg


def test_map_exports_with_its_outlines(tiny_plan, tmp_path, chromium):
    """The map renders from the shipped outlines (a CDN fetch would fail here and leave the land out)."""
    svg = gw.plot.save(tiny_plan.plot.map(), tmp_path / "map.svg").read_text()
    assert 'class="layer land"' in svg or "layer land" in svg
    land = svg.split("layer land", 1)[1].split("</g>", 1)[0]
    assert len(land) > 1000  # the US land path is drawn


def test_html_of_one_chart_can_be_self_contained(tiny_plan, tmp_path):
    text = gw.plot.save(tiny_plan.plot.map(), tmp_path / "map.html", standalone=True).read_text()
    assert text.count("plotly.js v") == 1 and "window.PlotlyGeoAssets = " in text and "<script" + " src=" not in text
    assert "<title>Grid, sites and regions in 2027</title>" in text
    assert [p.name for p in tmp_path.iterdir()] == ["map.html"]


def test_html_charts_in_one_folder_share_one_plotly_js(tiny_plan, tmp_path):
    """Each page loads plotly.js from the one copy written beside it, so a chart file is small."""
    from gigawatt.plot.export import PLOTLY_JS

    pages = [gw.plot.save(getattr(tiny_plan.plot, name)(), tmp_path / f"{name}.html") for name in ("power", "costs", "map")]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([PLOTLY_JS, "costs.html", "map.html", "power.html"])
    assert "plotly.js v" in (tmp_path / PLOTLY_JS).read_text()
    for page in pages:
        text = page.read_text()
        assert f'src="{PLOTLY_JS}"' in text and "plotly.js v" not in text and page.stat().st_size < 500_000
    assert "window.PlotlyGeoAssets = " in pages[2].read_text()  # map outlines still inlined: nothing fetched


def test_write_image_of_plotly_works_too(tiny_plan, tmp_path, chromium):
    path = tmp_path / "costs.png"
    tiny_plan.plot.costs().write_image(path, width=300, height=200)
    assert png_size(path) == (300, 200)


def test_unknown_format_is_refused(tiny_plan, tmp_path):
    with pytest.raises(ValueError, match=r"cannot tell the format of 'chart.gif'; use one of: .html, .png"):
        gw.plot.save(tiny_plan.plot.power(), tmp_path / "chart.gif")


def test_a_chart_sharing_plotly_js_renders_offline_in_chromium(tiny_plan, tmp_path, open_page):
    page = open_page(gw.plot.save(tiny_plan.plot.map(), tmp_path / "map.html"))
    assert page.errors == [] and page.remote_requests == []
