"""Tones: how a status word is emphasised, legible in every theme, in colour and with NO_COLOR.

A status is a glyph and a word (format.py); its tone (bad, warn, ok, info, muted) says how much
it asks for attention. In colour a tone is the theme's text colour for it ($text-error, ...),
moved toward black or white until it reads at 4.5:1 (WCAG AA) on the line it is drawn on: fixed
ANSI colours did not (red on the orange cursor row, yellow on a light theme). With NO_COLOR,
Textual greys every colour by its luminance (its Monochrome line filter), and a red on a dark
grey became a grey on a dark grey (1.5:1); there a tone is weight and reverse video on the line's
own colours, never a colour of its own, and never dim.

Resolving walks no DOM but parses colours: callers resolve once per style change (a theme
switch, focus), never per line.
"""

from __future__ import annotations

from functools import lru_cache

from rich.color import Color as RichColor
from rich.style import Style
from rich.terminal_theme import TerminalTheme
from textual.color import Color, ColorParseError

AA = 4.5  # WCAG 2's minimum contrast for text
THEME_COLORS = {"bad": "text-error", "warn": "text-warning", "ok": "text-success", "info": "text-primary"}
MUTED_BLEND = 0.4  # muted: the line's own colour, this far toward its background (then made legible)
WHITE, BLACK = Color(255, 255, 255), Color(0, 0, 0)


def luminance(color: Color) -> float:
    """WCAG 2's relative luminance of an opaque colour."""
    def channel(value: int) -> float:
        value /= 255
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4
    return 0.2126 * channel(color.r) + 0.7152 * channel(color.g) + 0.0722 * channel(color.b)


def contrast(a: Color, b: Color) -> float:
    """WCAG 2's contrast ratio of two opaque colours: 1 (none) to 21 (black on white)."""
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def legible(color: Color, background: Color, floor: float = AA) -> Color:
    """`color`, or the least blend of it toward black or white that reads at `floor` on `background`."""
    if contrast(color, background) >= floor:
        return color
    target = WHITE if contrast(WHITE, background) >= contrast(BLACK, background) else BLACK
    for step in range(1, 10):
        blended = color.blend(target, step / 10)
        if contrast(blended, background) >= floor:
            return blended
    return target  # black or white on any background is at least 4.58:1


def tone_styles(app, line: Style) -> dict[str, Style]:
    """Each tone's full style on a line drawn in `line` (a widget's or a component's rich style)."""
    variables = app.theme_variables
    return _tone_styles(line, app.no_color, tuple(variables.get(name, "") for name in THEME_COLORS.values()),
                        app.ansi_theme)


@lru_cache(maxsize=256)
def _tone_styles(line: Style, no_color: bool, theme_colors: tuple[str, ...],
                 terminal: TerminalTheme) -> dict[str, Style]:
    # A line in ANSI colours (an ANSI theme) is drawn in the terminal's own palette: its colours
    # are kept, and judged through the app's ANSI palette, as Textual converts them otherwise.
    native = line.color is None or line.color.triplet is None
    foreground = _truecolor(line.color, terminal, foreground=True)
    background = _truecolor(line.bgcolor, terminal, foreground=False)
    if no_color:  # what Textual's NO_COLOR filter will make of the line's colours
        background = background.monochrome
        plain = Style(dim=False) if native else Style(
            color=legible(foreground.monochrome, background).rich_color, dim=False)
        return {"bad": line + plain + Style(bold=True, reverse=True), "warn": line + plain + Style(bold=True),
                "ok": line + plain, "info": line + plain, "muted": line + plain}
    styles = {}
    for tone, text in zip(THEME_COLORS, theme_colors):
        color = _parse(text, terminal, background)
        if color is None or (native and contrast(color[1], background) < AA):
            rich = line.color  # the theme has no such colour, or the palette's does not read here
        else:
            rich = color[0] if native else legible(color[1], background).rich_color
        styles[tone] = line + Style(color=rich, bold=tone == "bad", dim=False)
    muted = line.color if native else legible(foreground.blend(background, MUTED_BLEND), background).rich_color
    styles["muted"] = line + Style(color=muted, dim=False)
    return styles


def _truecolor(color: RichColor | None, terminal: TerminalTheme, foreground: bool) -> Color:
    """A rich colour as the terminal shows it: ANSI and default colours through the ANSI theme,
    as Textual's own filter converts them."""
    if color is None or color.triplet is None:
        color = RichColor.from_triplet((color or RichColor.default()).get_truecolor(terminal, foreground))
    return Color.from_rich_color(color)


def _parse(text: str, terminal: TerminalTheme, background: Color) -> tuple[RichColor, Color] | None:
    """A theme variable's colour as drawn, and as the terminal shows it (opaque, over `background`);
    None when the theme has none."""
    try:
        color = Color.parse(text)
    except ColorParseError:  # a theme without the variable, or a form Color.parse does not read
        return None
    if color.ansi is not None:
        return color.rich_color, _truecolor(color.rich_color, terminal, foreground=True)
    if color.a < 1:
        color = background.blend(color.with_alpha(1), color.a)
    return color.rich_color, color
