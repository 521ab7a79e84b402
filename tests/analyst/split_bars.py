"""The report's split bars read as a reader sees them, and the rule they keep (issue 21, item 4): one
whole per chart, named in its title and in its legend; parts that partition it (none negative, summing
to it, each share of it as written); the sentence under the chart from the same numbers."""

import re
from html import unescape

FIGURE = re.compile(
    r'<figure class="chart" data-chart="([a-z_]+)"><figcaption>(.*?)</figcaption>(.*?)</figure>', re.DOTALL
)
# A count as the page writes it in each language (1,234 / 1.234); a part can be negative when it is wrong.
COUNT = {"en": r"-?\d{1,3}(?:,\d{3})*", "pt-BR": r"-?\d{1,3}(?:\.\d{3})*"}


def _count(text: str, lang: str) -> int:
    return int(text.replace("," if lang == "en" else ".", ""))


def _text(html: str) -> str:
    return unescape(re.sub(r"<[^>]+>", "", html))


def split_bars(page: str, lang: str = "en") -> dict[str, dict]:
    """Each figure with a split bar: its title, the whole its legend states, its parts (name, count,
    share % as written), the drawn parts' values and widths, the bar's data-whole and the note's text."""
    count = COUNT[lang]
    found = {}
    for name, title, body in FIGURE.findall(page):
        if 'class="split"' not in body:
            continue
        (whole_item,) = re.findall(r'<li class="split-whole">(.*?)</li>', body)
        whole = re.fullmatch(rf"100 % = ({count}) .+", _text(whole_item))
        assert whole, whole_item
        parts = []
        for item in re.findall(r"<li><i [^>]*></i>(.*?)</li>", body):
            part = re.fullmatch(rf"(.+): ({count}) \((-?\d+) %\)", _text(item))
            assert part, item
            parts.append((part[1], _count(part[2], lang), int(part[3])))
        note = re.search(r'<p class="note">(.*?)</p>', body, re.DOTALL)
        found[name] = {
            "title": _text(title),
            "whole": _count(whole[1], lang),
            "whole_text": whole[1],
            "parts": parts,
            "drawn": [
                (float(v), float(w))
                for v, w in re.findall(r'data-value="([-\d.]+)" style="width:([-\d.]+)%', body)
            ],
            "data_whole": float(re.search(r'class="split" data-whole="([-\d.]+)"', body)[1]),
            "note": _text(note[1]) if note else "",
        }
    return found


def numbers_in(text: str, lang: str) -> list[int]:
    """The whole numbers a sentence states (counts and whole percents), as integers."""
    return [_count(n, lang) for n in re.findall(rf"(?<![\d.,]){COUNT[lang]}(?![\d]|[.,]\d)", text)]


def check_split_bars(page: str, lang: str = "en") -> dict[str, dict]:
    """Every split bar of `page` keeps the rule (AssertionError naming the chart if not); its bars."""
    bars = split_bars(page, lang)
    for name, bar in bars.items():
        whole, parts = bar["whole"], bar["parts"]
        assert whole > 0, name
        assert bar["whole_text"] in re.findall(rf"(?<![\d.,]){COUNT[lang]}(?![\d]|[.,]\d)", bar["title"]), (
            f"{name}: the title names another whole than the legend: {bar['title']!r} vs {whole}"
        )
        assert all(count >= 0 for _, count, _ in parts), f"{name}: a negative part: {parts}"
        assert sum(count for _, count, _ in parts) == whole, f"{name}: {parts} do not add up to {whole}"
        for label, count, share in parts:
            assert abs(share - 100 * count / whole) <= 0.5, (
                f"{name}: {label} {share} % is not {count} of {whole}"
            )
        assert bar["data_whole"] == whole and sum(v for v, _ in bar["drawn"]) == whole, name
        assert abs(sum(w for _, w in bar["drawn"]) - 100) < 0.05, (
            f"{name}: the drawn parts do not fill the bar"
        )
        if bar["note"]:  # the sentence states the whole and every part, as the chart does
            stated = numbers_in(bar["note"], lang)
            missing = [count for _, count, _ in parts if count not in stated]
            assert whole in stated and not missing, (
                f"{name}: the note lacks {missing or whole}: {bar['note']!r}"
            )
    return bars
