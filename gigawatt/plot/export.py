"""Write a chart to a file: static images (PNG, SVG, PDF, ...) headless through kaleido and Chromium,
or an interactive HTML page (sharing one plotly.js beside it, or self-contained). Nothing is fetched at run time: plotly.js is the copy
bundled with plotly, MathJax is off and map outlines are preloaded (:mod:`gigawatt.plot.geo`).
"""

from __future__ import annotations

import html
import tempfile
from pathlib import Path

import plotly
import plotly.graph_objects as go
import plotly.io as pio
from plotly.offline import get_plotlyjs

from gigawatt.plot.geo import geo_assets_script, topojson_names

STATIC_FORMATS = ("png", "svg", "pdf", "jpeg", "jpg", "webp")
#: The file HTML charts load plotly.js from, written once beside them (named by the bundled version).
PLOTLY_JS = f"plotly-{plotly.__version__}.min.js"
#: Plotly config of interactive charts: no plotly logo, no link to the chart studio, offline outlines.
CONFIG = {"displaylogo": False, "responsive": True}


def save(
    fig: go.Figure,
    path: str | Path,
    *,
    width: int | None = None,
    height: int | None = None,
    scale: float = 1.0,
    standalone: bool = False,
) -> Path:
    """Write ``fig`` to ``path``; the suffix picks the format (``.png``, ``.svg``, ``.pdf``, ``.jpeg``, ``.webp``, ``.html``).

    Static formats need Chrome or Chromium (found by kaleido; on Debian ``apt-get install chromium``).
    ``width``/``height`` are in CSS pixels (default: the figure's, else 700 x 500); ``scale``
    multiplies the resolution of raster formats. An HTML chart loads plotly.js from a copy written once
    beside it (:data:`PLOTLY_JS`, about 4.8 MB), shared by every chart saved in that folder; ``standalone=True``
    inlines it instead (one file to send on its own). Returns the path written.
    """
    target = Path(path)
    fmt = target.suffix.lower().lstrip(".")
    if fmt == "html":
        if not standalone:
            _plotly_beside(target)
        target.write_text(figure_page(fig, plotlyjs="inline" if standalone else PLOTLY_JS))
        return target
    if fmt not in STATIC_FORMATS:
        raise ValueError(f"cannot tell the format of {target.name!r}; use one of: .html, {', '.join('.' + f for f in STATIC_FORMATS)}")
    import kaleido
    from choreographer.errors import ChromeNotFoundError

    opts = {"format": "jpeg" if fmt == "jpg" else fmt, "scale": scale}
    opts |= {"width": width or fig.layout.width or 700, "height": height or fig.layout.height or 500}
    with tempfile.TemporaryDirectory(prefix="gigawatt-export-") as tmp:
        scripts = []
        names = topojson_names(fig)
        if names:
            assets = Path(tmp) / "geo_assets.js"
            assets.write_text(geo_assets_script(names))
            scripts.append(assets.as_uri())
        page = kaleido.PageGenerator(mathjax=False, others=scripts)
        try:
            kaleido.write_fig_sync(fig, path=target, opts=opts, kopts={"page_generator": page})
        except ChromeNotFoundError as err:
            raise RuntimeError(
                "static export needs Chrome or Chromium and none was found: install it (Debian: apt-get install chromium) "
                "or point BROWSER_PATH at it; .html export works without it"
            ) from err
    return target


def figure_html(fig: go.Figure, *, include_plotlyjs: bool = False, div_id: str | None = None) -> str:
    """``fig`` as an HTML ``<div>`` with its script; plotly.js inlined only with ``include_plotlyjs``.

    A map's outlines must be in the page before the chart's script runs: see :func:`page_head`.
    """
    return pio.to_html(fig, include_plotlyjs=include_plotlyjs, full_html=False, config=CONFIG, div_id=div_id)


def page_head(figures: list[go.Figure], plotlyjs: str = "inline") -> str:
    """The ``<script>`` tags a page of ``figures`` needs first: plotly.js (``inline``, or the file name to load it from)
    and any map outlines."""
    names = []
    for fig in figures:
        names += [n for n in topojson_names(fig) if n not in names]
    if plotlyjs == "inline":
        head = f'<script type="text/javascript">{get_plotlyjs()}</script>\n'
    else:
        head = f'<script type="text/javascript" src="{html.escape(plotlyjs)}"></script>\n'
    if names:
        head += f'<script type="text/javascript">{geo_assets_script(names)}</script>\n'
    return head


def figure_page(fig: go.Figure, title: str | None = None, plotlyjs: str = "inline") -> str:
    """An HTML page of one interactive figure: plotly.js inlined (self-contained) or loaded from ``plotlyjs``; map
    outlines inlined."""
    name = html.escape(title or fig.layout.title.text or "gigawatt chart")
    return (
        f'<!DOCTYPE html>\n<html>\n<head>\n<meta charset="utf-8">\n<title>{name}</title>\n{page_head([fig], plotlyjs)}</head>\n'
        f"<body>\n{figure_html(fig)}\n</body>\n</html>\n"
    )


def _plotly_beside(target: Path) -> None:
    """Write plotly.js beside ``target`` as :data:`PLOTLY_JS`, unless the same copy is there already."""
    script = target.parent / PLOTLY_JS
    code = get_plotlyjs()
    if script.is_file() and script.stat().st_size == len(code.encode()):
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = script.with_name(f".{script.name}.tmp")
    tmp.write_text(code)
    tmp.replace(script)
