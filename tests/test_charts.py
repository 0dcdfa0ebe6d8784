"""The SVG charts are well-formed XML, escape what authors write, and describe themselves."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from briefkit.balance import Placed
from briefkit.charts import balance_map, calibration_chart
from briefkit.forecasts import calibration
from briefkit.model import Outlet, Source

NS = "{http://www.w3.org/2000/svg}"


def test_balance_map_escapes_names_and_places_every_rated_source():
    hostile = Outlet('<b>"Bad" & Co</b>', lean=1, establishment=5, slug="bad")
    placed = [Placed(Source(i, '<b>"Bad" & Co</b>'), hostile) for i in range(1, 11)]  # ten in one cell
    placed.append(Placed(Source(11, "Unrated"), None))
    svg = ET.fromstring(str(balance_map(placed, "m")))
    assert svg.get("role") == "img" and svg.get("aria-labelledby") == "m-title m-desc"
    assert svg.find(f"{NS}desc").text.startswith("10 of 11 sources placed")
    dots = svg.findall(f"{NS}g")
    assert len(dots) == 10
    assert dots[0].find(f"{NS}title").text == ('[1] <b>"Bad" & Co</b>: left (1 of 5), '
                                               "pro-establishment (5 of 5)")
    xs = [float(g.find(f"{NS}circle").get("cx")) for g in dots]
    assert all(26 <= x <= 26 + 56 for x in xs)  # all inside the left-most column


def test_calibration_chart_without_resolved_forecasts_is_still_described():
    svg = ET.fromstring(str(calibration_chart(calibration([]), "c", "Calibration of <Desk>")))
    assert svg.find(f"{NS}title").text == "Calibration of <Desk>"
    assert svg.find(f"{NS}desc").text.endswith("No resolved forecasts yet.")
    assert svg.findall(f"{NS}g") == []
