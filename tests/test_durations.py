"""One duration grammar: the YAML, the API's snooze, the audit filter's `since` and the console's
snooze dialog read `1h30m` and `30s` alike, each within its own range, and refuse with the
config's reasons after the name of what was refused."""

from datetime import datetime, timedelta, timezone

import pytest
from textual.app import App
from textual.widgets import Label

from uptime_tui import audit
from uptime_tui.api.errors import ApiError
from uptime_tui.api.params import body_duration
from uptime_tui.config import ConfigInvalid, parse_config
from uptime_tui.tui.dialogs.snooze import SnoozeDialog, parse_duration

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc)
MONITOR = "monitors:\n  - id: web\n    type: http\n    url: http://127.0.0.1:9/\n    interval: {}\n"
NOT_A_DURATION = "must be a duration such as 30s, 5m, 1h30m or 2d, got 'soon'"


def yaml_interval(text: str) -> float:
    return parse_config(MONITOR.format(text), "c.yaml", {}).monitors[0].interval


def yaml_refusal(text: str) -> str:
    with pytest.raises(ConfigInvalid) as info:
        yaml_interval(text)
    [problem] = info.value.problems
    return str(problem).removeprefix("c.yaml:5:15: monitors[0].")


def api_refusal(value) -> str:
    with pytest.raises(ApiError) as info:
        body_duration({"duration": value}, "duration")
    assert info.value.status == 400
    return info.value.message


@pytest.mark.parametrize("text, seconds", [("1h30m", 5400), ("30s", 30), ("1h 30m", 5400), ("1.5h", 5400)])
def test_every_entry_point_reads_the_same_forms(text, seconds):
    assert yaml_interval(text) == seconds
    assert body_duration({"duration": text}, "duration") == timedelta(seconds=seconds)
    assert audit.parse_filter({"since": text}, NOW).since == NOW - timedelta(seconds=seconds)
    assert parse_duration(text) == timedelta(seconds=seconds)


def test_bare_seconds_come_as_numbers_where_the_file_and_json_have_them():
    assert yaml_interval("90") == 90
    assert body_duration({"duration": 90}, "duration") == timedelta(seconds=90)
    with pytest.raises(ValueError):  # typed text needs a unit: 90 is no duration there
        parse_duration("90")


def test_the_same_reasons_after_each_name():
    assert yaml_refusal("soon") == f"interval: {NOT_A_DURATION}"
    assert api_refusal("soon") == f"duration {NOT_A_DURATION}"
    with pytest.raises(ValueError, match=f"^{NOT_A_DURATION}$"):
        parse_duration("soon")
    assert yaml_refusal("-5m") == "interval: must not be negative, got '-5m'"
    assert api_refusal("-5m") == "duration must not be negative, got '-5m'"


def test_each_entry_point_keeps_its_own_range():
    assert yaml_refusal("2d") == "interval: must be at most 1d, got '2d'"
    assert api_refusal("400d") == "duration must be at most 365d, got '400d'"
    assert api_refusal(0) == "duration must be at least 1s, got 0"
    assert body_duration({"duration": "45d"}, "duration") == timedelta(days=45)  # the engine holds it to 30
    with pytest.raises(ValueError, match="^must be at most 30d, got '31d'$"):
        parse_duration("31d")
    assert audit.parse_filter({"since": "99999999999w"}, NOW).since == audit.EARLIEST  # all of the log


class DialogHost(App):
    def __init__(self):
        super().__init__()
        self.chosen = "not yet"

    def on_mount(self) -> None:
        self.push_screen(SnoozeDialog("incident #1"), lambda chosen: setattr(self, "chosen", chosen))


@pytest.mark.anyio
async def test_the_snooze_dialog_shows_the_reason_and_takes_compound_durations():
    app = DialogHost()
    async with app.run_test() as pilot:
        await pilot.press("6", *"31d", "enter")
        await pilot.pause()
        assert str(app.screen.query_one("#snooze-error", Label).render()) == "snooze must be at most 30d, got '31d'"
        for _ in range(3):
            await pilot.press("backspace")
        await pilot.press(*"1h30m", "enter")
        await pilot.pause()
        assert app.chosen == timedelta(minutes=90)
