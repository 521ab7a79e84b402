"""`make demo` as a user runs it: a process that starts servers, prints a `Report:` line, and leaves
nothing running, also when interrupted. The report page is checked in headless Chromium."""

import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import time
from pathlib import Path

import pytest

from demo_data.generator import generate
from demo_data.ledger import BOT_SHARE
from standins.s3_server import SeaweedS3
from tests.analyst.split_bars import check_split_bars

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[2]
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip


def processes_mentioning(text: str) -> list[str]:
    """SeaweedFS processes whose command line names `text` (the demo's work folder)."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            args = cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if text in args and " mini " in args:
            found.append(args)
    return found


def demo(workdir: Path, *args: str, **kwargs) -> subprocess.Popen:
    command = [sys.executable, "-m", "local.demo", "--workdir", str(workdir), *args]
    return subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kwargs
    )


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("demo")
    process = demo(workdir, "--updates", "120", "--days", "3")
    output, _ = process.communicate(timeout=300)
    return process.returncode, output, workdir


def test_demo_succeeds_prints_the_answers_and_the_report_path(demo_run):
    returncode, output, workdir = demo_run
    assert returncode == 0, output
    for heading in ("1. At what hour", "2. Which problems", "3. Does the bot resolve them"):
        assert heading in output
    assert "wrong secret token: HTTP 401" in output
    assert "a Telegram Desktop export: HTTP 400" in output
    # Our bot's messages, posted to /outgoing as its backend would, and its share in the answers.
    generated = generate(seed=7, updates=120, days=3)  # the demo's default seed, the sizes given
    sent = sum(generated.ledger.outgoing_by_day.values())
    assert f"/outgoing HTTP {{200: {len(generated.outgoing)}}}: the bot's {sent} messages" in output
    assert f"{generated.ledger.outgoing_reposts} posted twice" in output and "[q3_bot_containment]" in output
    (report_line,) = [line for line in output.splitlines() if line.startswith("Report: ")]
    report = Path(report_line.removeprefix("Report: "))
    assert report == (workdir / "report.html").resolve() and report.stat().st_size > 10_000
    assert processes_mentioning(str(workdir)) == []  # SeaweedFS was stopped


def test_the_report_shows_the_bots_answers_posted_to_outgoing(demo_run):
    """The demo's report states the bot's share, with the figures the generator intended."""
    _, _, workdir = demo_run
    page = re.sub(r"<[^>]+>", " ", (workdir / "report.html").read_text())
    bot = generate(seed=7, updates=120, days=3).ledger.bot
    totals = {key: sum(share[key] for share in bot.values()) for key in BOT_SHARE}
    assert totals["bot_answered"] > 0 and "messages of the bot (POST /outgoing)" in page
    handled, contained, escalated = totals["bot_handled"], totals["contained"], totals["escalated"]
    assert (
        f"The bot answered or handed over {handled} of {totals['cases']} cases (its own messages, posted to POST "
        f"/outgoing; it answered {totals['bot_answered']} of them): {contained} contained" in page
    )
    assert f"{escalated} escalated (handed over to staff, or staff answered after it" in page
    assert f"and {handled - contained - escalated} neither" in page


def test_the_report_shows_staff_and_the_bot_apart_and_its_q3_charts_add_up(demo_run):
    """Issue 21, items 3 and 4, against the generator's ledger: who answered the requests (staff, the bot,
    both, no one), their medians apart, and every Q3 split bar a partition of the whole its title names."""
    _, _, workdir = demo_run
    html = (workdir / "report.html").read_text()
    ledger = generate(seed=7, updates=120, days=3).ledger
    staff, bot, anyone, requests = (
        ledger.answered_by_staff,
        ledger.answered_by_bot,
        ledger.answered,
        ledger.questions,
    )
    assert 0 < staff < requests and 0 < bot < requests
    bars = check_split_bars(html)
    assert bars["answered"]["whole"] == requests
    assert {label: count for label, count, _ in bars["answered"]["parts"]} == {
        "staff only": anyone - bot, "both staff and the bot": staff + bot - anyone, "the bot only": anyone - staff,
        "no one within 7 days": requests - anyone,
    }  # fmt: skip
    totals = {key: sum(share[key] for share in ledger.bot.values()) for key in BOT_SHARE}
    assert bars["bot_share"]["whole"] == totals["bot_handled"]
    assert bars["bot_share"]["parts"][:2] == [
        ("contained", totals["contained"], round(100 * totals["contained"] / totals["bot_handled"])),
        ("escalated to staff", totals["escalated"], round(100 * totals["escalated"] / totals["bot_handled"])),
    ]
    assert {label: count for label, count, _ in bars["outcomes"]["parts"]} == {
        "resolved": ledger.outcomes["resolved"], "not resolved": ledger.outcomes["unresolved"],
        "unknown": ledger.outcomes["unknown"],
    }  # fmt: skip
    if ledger.feedback.get("rated"):
        assert bars["resolution"]["whole"] == ledger.feedback["rated"]
    page = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    for who, count in (("staff", staff), ("the bot", bot)):
        assert f"{round(100 * count / requests)} % answered by {who}, of {requests} requests" in page
    (staff_median, bot_median) = re.findall(
        rf"In all, staff answered {staff} \(median first response ([\d.]+) min\) and the bot {bot} "
        r"\(median ([\d.]+) min\)",
        page,
    )[0]
    # The model rounds each case's minutes to 0.1, the page the median: within 0.1 of the ledger's.
    assert abs(float(staff_median) - ledger.median_minutes_to_staff) <= 0.1 + 1e-9
    assert abs(float(bot_median) - ledger.median_minutes_to_bot) <= 0.1 + 1e-9
    assert float(bot_median) < float(staff_median)  # the blend of the two is no headline


def test_make_sql_reads_what_the_demo_left_with_its_settings(demo_run):
    _, _, workdir = demo_run
    assert (workdir / "settings.json").is_file()  # the topic rules and staff the views need
    run = subprocess.run(
        [sys.executable, "-m", "analyst.sql", str(workdir / "parquet" / "telegram"), "-c",
         "SELECT count(*) AS rule_topics FROM requests WHERE topic_source = 'rule';"],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    assert int(run.stdout.splitlines()[-2]) > 0  # the demo's topic rules, not the default none

    readme = (ROOT / "README.md").read_text()
    (follow_up,) = re.findall(r"### Your own questions in SQL.*?```sql\n(.*?)```", readme, re.DOTALL)
    run = subprocess.run([sys.executable, "-m", "analyst.sql", str(workdir / "parquet" / "telegram")],
                         input=follow_up, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    assert re.match(r"topic +\| weekday \| cases \| median_minutes\n", run.stdout)
    assert re.search(r"\n\(\d rows?\)\n$", run.stdout)  # the small test demo has only a few such groups


def start_and_wait_for_the_replay(workdir: Path) -> tuple[subprocess.Popen, list[str], int]:
    process = demo(workdir, "--updates", "3000", start_new_session=True)
    lines = []
    for line in process.stdout:  # wait until both servers run and the replay has started
        lines.append(line)
        if line.startswith("3. Telegram"):
            break
    (port,) = [int(m) for line in lines for m in re.findall(r"http://127\.0\.0\.1:(\d+)  buckets", line)]
    return process, lines, port


def port_is_free(port: int) -> bool:
    """Nothing listens on it: a new server can take it (SO_REUSEADDR, as servers do, so that the
    TIME_WAIT of the demo's own closed connections does not count)."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
            probe.listen()
        except OSError:
            return False
    return True


def test_demo_stops_everything_on_ctrl_c_and_a_second_demo_in_its_folder_is_refused(tmp_path):
    process, lines, port = start_and_wait_for_the_replay(tmp_path)
    assert processes_mentioning(str(tmp_path)), "SeaweedFS should be running now"

    second = demo(tmp_path, "--updates", "5")
    refusal, _ = second.communicate(timeout=60)
    assert second.returncode == 1, refusal
    assert f"demo refused: another demo (pid {process.pid}) is running in {tmp_path}" in refusal
    assert processes_mentioning(str(tmp_path)), "the first demo's server must be left alone"

    os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
    output = "".join(lines) + process.communicate(timeout=60)[0]
    assert process.returncode == 130, output
    assert "stopping the S3 server ..." in output
    assert "Interrupted: every process the demo started was stopped." in output
    # Said only when true: checked at once, no grace period.
    assert processes_mentioning(str(tmp_path)) == []
    assert port_is_free(port) and port_is_free(port + 10000)


def test_a_second_ctrl_c_while_stopping_still_leaves_nothing_running(tmp_path):
    process, lines, port = start_and_wait_for_the_replay(tmp_path)
    os.killpg(process.pid, signal.SIGINT)
    for line in process.stdout:
        lines.append(line)
        if "stopping the S3 server" in line:
            os.killpg(process.pid, signal.SIGINT)  # the impatient second Ctrl-C
            break
    output = "".join(lines) + process.communicate(timeout=60)[0]
    assert process.returncode == 130, output
    assert processes_mentioning(str(tmp_path)) == []
    assert port_is_free(port) and port_is_free(port + 10000)
    assert "Interrupted: every process the demo started was stopped." in output


def test_an_unknown_log_level_is_one_clear_line(tmp_path):
    process = demo(tmp_path, "--log-level", "verbose")
    output, _ = process.communicate(timeout=60)
    assert process.returncode == 2
    assert output.strip().splitlines() == [
        "make demo: --log-level verbose is not a level: use one of DEBUG, INFO, WARNING, ERROR, CRITICAL"
    ]


def test_a_taken_s3_port_is_a_clear_error(tmp_path):
    with SeaweedS3(tmp_path / "first") as running:
        taken = int(running.endpoint_url.rsplit(":", 1)[1])
        process = demo(tmp_path / "second", "--s3-port", str(taken), "--updates", "5")
        output, _ = process.communicate(timeout=120)
    assert process.returncode == 1
    assert f"port {taken} on 127.0.0.1 is taken" in output


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        pytest.fail("Debian's chromium is needed for the report check: `make browser` installs it")
    return found


CHARTS = ("messages_by_hour", "heatmap", "daily_volume", "top_topics", "requests_by_language", "top_commands",
          "top_keywords", "answered", "bot_share", "resolution", "outcomes", "weekly_trends", "topic_table")  # fmt: skip


def staff_and_bot_shown(checks: dict[str, str]) -> None:
    """The headline figures the page's script saw shown: staff and the bot apart, never one blend."""
    requests = generate(seed=7, updates=120, days=3).ledger.questions
    stats = checks["stats"]
    assert f"answered by staff, of {requests} requests" in stats, stats
    assert f"answered by the bot, of {requests} requests" in stats, stats
    assert "median first response by staff" in stats and "median first response by the bot" in stats, stats
    assert checks["splits"] in ("3", "4") and checks["split-gaps"] == "0", checks  # each bar filled, no more


def page_checks(dom: str) -> dict[str, str]:
    """What the page's own script found: charts drawn, window width, elements wider than the window."""
    (body,) = re.findall(r"<body[^>]*>", dom)
    return dict(re.findall(r'data-([a-z-]+)="([^"]*)"', body))


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_report_loads_in_headless_chromium_and_draws_its_charts(demo_run, tmp_path):
    _, _, workdir = demo_run
    url = (workdir / "report.html").resolve().as_uri()
    base = [chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}"]
    dom = subprocess.run(
        [*base, "--window-size=1280,2400", "--dump-dom", url], capture_output=True, text=True, timeout=120,
        check=True,
    ).stdout  # fmt: skip
    checks = page_checks(dom)
    assert checks["width"] == "1280"
    assert checks["charts"] == str(len(CHARTS))  # the page's own script counted every chart drawn...
    assert "errors" not in checks  # ...saw no script error...
    assert checks["overflowing"] == "0", checks  # ...and nothing wider than the window or cut off...
    assert checks["wrapped"] == "", checks  # ...and no day, topic or value in a table wraps at 1280 px
    staff_and_bot_shown(checks)  # ...and shows staff and the bot apart...
    check_split_bars(dom)  # ...and its Q3 charts add up, as laid out by Chromium
    for chart in CHARTS:
        assert f'data-chart="{chart}"' in dom
    assert dom.count('class="cell"') > 10  # the heatmap writes its averages in its cells

    screenshot = tmp_path / "report-1280.png"
    subprocess.run([*base, "--window-size=1280,2400", f"--screenshot={screenshot}", url],
                   capture_output=True, timeout=120, check=True)  # fmt: skip
    assert png_size(screenshot) == (1280, 2400)
    assert screenshot.stat().st_size > 50_000  # a blank page compresses to a few KB; charts and text do not


def test_report_is_readable_on_a_390_px_phone(demo_run, tmp_path):
    """Headless Chromium lays a window out at least 500 px wide: the report goes in a 390 px frame, and the
    page's own script (run inside it) reports what it measured there."""
    _, _, workdir = demo_run
    report = (workdir / "report.html").resolve()
    frame = tmp_path / "phone.html"
    frame.write_text(
        f'<!doctype html><body style="margin:0"><iframe id="f" src="{report.as_uri()}" '
        'style="width:390px;height:3000px;border:0"></iframe><script>'
        'const f = document.getElementById("f"); f.addEventListener("load", () => {'
        "  const d = f.contentDocument.body.dataset; for (const k in d) document.body.dataset[k] = d[k]; });"
        "</script></body>"
    )
    base = [chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}",
            "--allow-file-access-from-files"]  # fmt: skip
    dom = subprocess.run(
        [*base, "--window-size=390,3000", "--dump-dom", frame.as_uri()], capture_output=True, text=True,
        timeout=120, check=True,
    ).stdout  # fmt: skip
    checks = page_checks(dom)
    assert checks["width"] == "390", checks  # measured inside the phone-wide frame
    assert checks["charts"] == str(len(CHARTS)), checks  # the phone drawings are shown instead
    assert "errors" not in checks
    assert checks["overflowing"] == "0", checks  # no card cut off, no sideways scrolling
    staff_and_bot_shown(checks)

    screenshot = tmp_path / "report-390.png"
    subprocess.run([*base, "--window-size=390,3000", f"--screenshot={screenshot}", frame.as_uri()],
                   capture_output=True, timeout=120, check=True)  # fmt: skip
    assert png_size(screenshot) == (390, 3000)
    assert screenshot.stat().st_size > 50_000
    shutil.copy(screenshot, workdir / "report-390.png")  # beside the report, to look at


def test_a_demo_killed_outright_takes_its_s3_server_with_it(tmp_path):
    process, _, port = start_and_wait_for_the_replay(tmp_path)
    process.kill()  # SIGKILL: no Python code runs, nothing stops weed but the kernel
    process.communicate(timeout=30)
    deadline = time.monotonic() + 30
    while (processes_mentioning(str(tmp_path)) or not port_is_free(port)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert processes_mentioning(str(tmp_path)) == []
    assert port_is_free(port)


def test_the_page_check_sees_what_is_wider_than_the_window(demo_run, tmp_path):
    """The overflow check can fail: the same report with one element too wide for the window."""
    _, _, workdir = demo_run
    page = (workdir / "report.html").read_text()
    wide = tmp_path / "wide.html"
    wide.write_text(
        page.replace('<div class="stats">', '<div style="width:1600px">x</div><div class="stats">')
    )
    base = [chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}"]
    dom = subprocess.run([*base, "--window-size=1280,1000", "--dump-dom", wide.as_uri()],
                         capture_output=True, text=True, timeout=120, check=True).stdout  # fmt: skip
    assert page_checks(dom)["overflowing"] != "0"
    # ...and what wraps: the same report with table cells too narrow for their topics and days.
    narrow = tmp_path / "narrow-cells.html"
    narrow.write_text(page.replace("</style>", ".table td { white-space: normal; max-width: 40px; }</style>"))
    dom = subprocess.run([*base, "--window-size=1280,1000", "--dump-dom", narrow.as_uri()],
                         capture_output=True, text=True, timeout=120, check=True).stdout  # fmt: skip
    assert page_checks(dom)["wrapped"] != ""
