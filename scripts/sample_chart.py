#!/usr/bin/env python3
"""Draw the sample post's chart: Aurora's and Aerospike's queries per second at Zeotap (from the profile).

    python scripts/sample_chart.py   # writes files/images/aurora-to-aerospike-qps.png

Deterministic: Pillow's built-in font and fixed PNG settings, so a rerun gives the same bytes.
"""

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

OUT = Path(__file__).resolve().parent.parent / "files" / "images" / "aurora-to-aerospike-qps.png"
WIDTH, HEIGHT = 1600, 800
BARS = (("Aurora", 10_000, "about 10,000"), ("Aerospike", 300_000, "over 300,000"))
INK, MUTED, GRID, BAR, BACKGROUND = (31, 35, 40), (87, 96, 106), (208, 215, 222), (5, 80, 174), (255, 255, 255)


def draw() -> Image.Image:
    image = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
    pen = ImageDraw.Draw(image)
    title, label = ImageFont.load_default(52), ImageFont.load_default(40)
    pen.text((80, 50), "Queries per second served by one data store", font=title, fill=INK)
    left, right, top, bottom = 330, WIDTH - 120, 190, HEIGHT - 90
    top_value = 320_000
    for value in range(0, top_value + 1, 100_000):  # gridlines every 100,000
        x = left + (right - left) * value / top_value
        pen.line([(x, top - 20), (x, bottom)], fill=GRID, width=3)
        pen.text((x, bottom + 20), f"{value:,}", font=label, fill=MUTED, anchor="ma")
    band = (bottom - top) / len(BARS)
    for index, (name, value, shown) in enumerate(BARS):
        y0 = top + band * index + band * 0.2
        y1 = y0 + band * 0.55
        x1 = left + max(8, (right - left) * value / top_value)
        pen.rectangle([(left, y0), (x1, y1)], fill=BAR)
        pen.text((left - 30, (y0 + y1) / 2), name, font=label, fill=INK, anchor="rm")
        inside = x1 - left > 600  # the long bar holds its label; the short one has it beside it
        where, colour, anchor = (x1 - 30, BACKGROUND, "rm") if inside else (x1 + 30, INK, "lm")
        pen.text((where, (y0 + y1) / 2), shown, font=label, fill=colour, anchor=anchor)
    return image.quantize(16)  # a flat chart: 16 colours keep it small and exact


if __name__ == "__main__":
    OUT.parent.mkdir(parents=True, exist_ok=True)
    draw().save(OUT, "PNG", optimize=True)
    print(f"{OUT} ({OUT.stat().st_size:,} bytes)")
