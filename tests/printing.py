"""What a sheet looks like on paper, read back from the written file with openpyxl."""

from __future__ import annotations

from openpyxl.utils import column_index_from_string, range_boundaries

from modelunit.export.formats import BODY_PT, print_scale


def column_widths(ws) -> list[float]:
    """Each column's width as XlsxWriter was given it, up to the print area's last column.

    openpyxl groups equal neighbours into one dimension, so each group is spread back out."""
    _, _, last, _ = range_boundaries(str(ws.print_area).split("!")[-1].replace("'", ""))
    widths = [8.43] * last
    for dim in ws.column_dimensions.values():
        if dim.width:
            for i in range(dim.min or column_index_from_string(dim.index), (dim.max or dim.min) + 1):
                if i <= last:
                    widths[i - 1] = dim.width - 5 / 7  # the file stores the width with its 5 px of padding
    return widths


def fitted(ws) -> bool:
    props = ws.sheet_properties.pageSetUpPr
    return bool(props and props.fitToPage)


def printed_pt(ws) -> float:
    """The size 10 pt body text prints at on A4: scaled down only by a fit to one page wide."""
    scale = (ws.page_setup.scale or 100) / 100
    if fitted(ws) and ws.page_setup.fitToWidth in (None, 1):
        scale = print_scale(column_widths(ws), ws.page_setup.orientation == "landscape")
    return round(BODY_PT * scale, 2)
