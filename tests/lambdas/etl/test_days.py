from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from telegram_etl.days import BadRequest, days_to_process, previous_day

SAO_PAULO, TOKYO, UTC_ZONE = ZoneInfo("America/Sao_Paulo"), ZoneInfo("Asia/Tokyo"), ZoneInfo("UTC")


@pytest.mark.parametrize(
    ("time", "zone", "expected"),
    [
        ("2024-03-10T06:00:00Z", SAO_PAULO, date(2024, 3, 9)),  # 03:00 local
        ("2024-03-10T02:00:00Z", SAO_PAULO, date(2024, 3, 8)),  # still the 9th in São Paulo
        ("2024-03-10T02:00:00Z", UTC_ZONE, date(2024, 3, 9)),
        ("2024-03-09T18:00:00Z", TOKYO, date(2024, 3, 9)),  # already the 10th in Tokyo
        ("2024-03-01T06:00:00Z", SAO_PAULO, date(2024, 2, 29)),  # leap day
        ("2025-01-01T06:00:00Z", SAO_PAULO, date(2024, 12, 31)),
    ],
)
def test_scheduled_event_processes_the_previous_local_day(time, zone, expected):
    event = {
        "version": "0",
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "time": time,
        "detail": {},
    }
    assert days_to_process(event, zone) == [expected]


def test_explicit_day_and_backfill_range():
    assert days_to_process({"date": "2024-02-28"}, UTC_ZONE) == [date(2024, 2, 28)]
    assert days_to_process({"start_date": "2024-02-28", "end_date": "2024-03-01"}, UTC_ZONE) == [
        date(2024, 2, 28),
        date(2024, 2, 29),
        date(2024, 3, 1),
    ]


@pytest.mark.parametrize(
    "event",
    [
        {},
        {"date": "yesterday"},
        {"date": None},
        {"start_date": "2024-01-02", "end_date": "2024-01-01"},
        {"start_date": "2024-01-01"},
        {"start_date": "2020-01-01", "end_date": "2024-01-01"},
        {"time": "not a time"},
        {"time": "2024-01-01T00:00:00"},
    ],
)
def test_bad_requests_are_clear_errors(event):
    with pytest.raises(BadRequest):
        days_to_process(event, UTC_ZONE)


def test_previous_day_crosses_a_dst_change():
    # São Paulo had DST until 2019; 2018-11-04 started it (00:00 -> 01:00).
    assert previous_day(datetime(2018, 11, 4, 6, tzinfo=UTC), SAO_PAULO) == date(2018, 11, 3)
