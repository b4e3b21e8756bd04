"""The report and the dashboard in headless Chromium (the system's, driven by Selenium): the
page loads with no console error, no request leaves this machine, every plot area is drawn
(its screenshot is not blank), and the dashboard redraws when a trial is added.

Skipped, with the reason, where Chromium or chromedriver is missing; failed instead when
CI=true, where the test setup installs them."""

from __future__ import annotations

import io
import json
import os
import shutil
import socket
import threading
import time
import urllib.parse
from collections.abc import Iterator

import numpy as np
import pytest

import hyperloom as hl
import hyperloom.viz as viz

pytestmark = pytest.mark.slow  # starts a browser (about 2 s) and draws pages

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
LOCAL = ("127.0.0.1", "localhost", "[::1]")


def _missing() -> str | None:
    for program in ("chromium", "chromedriver"):
        if shutil.which(program) is None and not (program == "chromium"
                                                  and shutil.which("chromium-browser")):
            return f"{program} is not installed (apt-get install chromium chromium-driver)"
    try:
        import selenium  # noqa: F401
        import uvicorn  # noqa: F401
        from PIL import Image  # noqa: F401
    except ImportError as exc:
        return f"{exc.name} is not installed (pip install 'hyperloom[dev]')"
    return None


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    reason = _missing()
    if reason:
        if IN_CI:
            pytest.fail(f"browser tests cannot run in CI: {reason}")
        pytest.skip(reason)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1300,1000",
                "--enable-unsafe-swiftshader"):  # WebGL on the CPU, for Scattergl and parcoords
        options.add_argument(arg)
    options.binary_location = shutil.which("chromium") or shutil.which("chromium-browser")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
    driver.set_page_load_timeout(120)
    yield driver
    driver.quit()


def console_errors(driver) -> list[str]:
    return [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def requested_urls(driver) -> list[str]:
    """Every URL the page asked for since the last call (Chrome's performance log)."""
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def leaves_the_machine(url: str) -> bool:
    parsed = urllib.parse.urlparse(url)
    if parsed.scheme in ("file", "data", "blob", "about"):
        return False
    return parsed.hostname not in ("127.0.0.1", "localhost", "::1")


def wait_for(driver, script: str, timeout: float = 60.0):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout, poll_frequency=0.1).until(
        lambda d: d.execute_script(script))


def screenshot(driver, element_id: str) -> np.ndarray:
    """An element's pixels as grey levels."""
    from PIL import Image

    element = driver.find_element("id", element_id)
    driver.execute_script("arguments[0].scrollIntoView();", element)
    return np.asarray(Image.open(io.BytesIO(element.screenshot_as_png)).convert("L"),
                      dtype=float)


def data_pixels(driver, element_id: str) -> float:
    """The share of a plot's pixels that its data draws: the plot is shot as it is and again
    with its traces hidden (axes, grid and titles stay), and the two are compared."""
    shown = screenshot(driver, element_id)
    hide = ("const done = arguments[arguments.length - 1];"
            "Plotly.restyle(arguments[0], {visible: %s}).then(() => "
            "requestAnimationFrame(() => requestAnimationFrame(() => done(true))));")
    div = driver.find_element("id", element_id)
    driver.execute_async_script(hide % "false", div)
    hidden = screenshot(driver, element_id)
    driver.execute_async_script(hide % "true", div)
    if shown.shape != hidden.shape:
        return 1.0
    return float((np.abs(shown - hidden) > 10).mean())


def plot_ids(driver) -> list[str]:
    return driver.execute_script(
        "return [...document.querySelectorAll('.plot')].map(e => e.id)")


def assert_drawn(driver) -> None:
    """Every plot area of the page shows its data: not blank, and not only axes. Each is
    scrolled into view first (the report draws a plot when it comes into view)."""
    ids = plot_ids(driver)
    assert ids
    for i in ids:
        driver.execute_script("document.getElementById(arguments[0]).scrollIntoView();", i)
        wait_for(driver, f"return document.getElementById('{i}').dataset.state == 'drawn'")
    drawn = {i: data_pixels(driver, i) for i in ids}
    empty = {i: f"{share:.2%}" for i, share in drawn.items() if share < 0.002}
    assert not empty, f"plots whose data draws (almost) no pixel: {empty}"


# -- the report -------------------------------------------------------------------------------
def test_the_report_loads_offline_and_draws_every_plot(browser, single_study, multi_study,
                                                       tmp_path):
    for study in (single_study, multi_study):
        path = viz.report(study, tmp_path / f"{study.study_name}.html")
        browser.get_log("performance")  # forget what came before
        browser.get(path.as_uri())
        wait_for(browser, "return document.body.dataset.firstDrawn")
        states = browser.execute_script(
            "return [...document.querySelectorAll('.plot')].map(e => e.dataset.state)")
        assert states[0] == "drawn" and states[-1] is None  # the last waits to be seen
        assert_drawn(browser)
        assert browser.execute_script("return document.body.dataset.drawn")
        assert console_errors(browser) == []
        urls = requested_urls(browser)
        assert urls and not [u for u in urls if leaves_the_machine(u)]


def test_the_report_draws_everything_at_once_when_asked(browser, single_study, tmp_path):
    path = viz.report(single_study, tmp_path / "all.html")
    browser.get(path.as_uri() + "#all")
    wait_for(browser, "return document.body.dataset.drawn")
    states = browser.execute_script(
        "return [...document.querySelectorAll('.plot')].map(e => e.dataset.state)")
    assert set(states) == {"drawn"}


def test_the_reports_of_a_sweep_and_a_graph_study_draw_their_views(browser, sweep_study,
                                                                    graph_study, tmp_path):
    for study, view in ((sweep_study, "sweep"), (graph_study, "branches")):
        path = viz.report(study, tmp_path / f"{view}.html")
        browser.get_log("browser")  # forget what came before
        browser.get(path.as_uri())
        browser.execute_script(f"document.getElementById('plot-{view}').scrollIntoView();")
        wait_for(browser, f"return document.getElementById('plot-{view}').dataset.state == "
                          "'drawn'")
        assert console_errors(browser) == []
        assert data_pixels(browser, f"plot-{view}") > 0.002, view


def test_the_check_tells_a_plot_of_data_from_one_of_axes_only(browser, tmp_path):
    go = pytest.importorskip("plotly.graph_objects")
    page = tmp_path / "two.html"
    axes_only = go.Figure(go.Scatter(x=[], y=[]))
    with_data = go.Figure(go.Scatter(x=[0, 1, 2], y=[0, 2, 1]))
    page.write_text(axes_only.to_html(include_plotlyjs=True, div_id="axes")
                    + with_data.to_html(include_plotlyjs=False, div_id="data"))
    browser.get(page.as_uri())
    wait_for(browser, "return document.getElementById('data')._fullLayout !== undefined")
    assert data_pixels(browser, "axes") == 0.0
    assert data_pixels(browser, "data") > 0.002


# -- the dashboard ----------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def served(browser, tmp_path, make_single):
    """A dashboard over a SQLite study, served by uvicorn on a free port of 127.0.0.1."""
    import uvicorn

    url = f"sqlite:///{tmp_path / 'study.db'}"
    make_single(storage=url, n_trials=30, name="live")
    app = viz.dashboard_app(url, poll_seconds=0.5)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    browser.get_log("browser")  # start each test with an empty console
    browser.get_log("performance")
    yield url, f"http://127.0.0.1:{port}/"
    browser.get("about:blank")  # the page stops polling before its server goes
    server.should_exit = True
    thread.join(timeout=10)


def test_the_dashboard_lists_studies_and_draws_a_study(browser, served):
    url, base = served
    browser.get(base)
    wait_for(browser, "return document.body.dataset.loaded")
    link = browser.find_element("link text", "live")
    link.click()
    wait_for(browser, "return document.body.dataset.drawn")
    assert browser.execute_script("return document.body.dataset.drawn") == "30"
    assert console_errors(browser) == []
    urls = requested_urls(browser)
    assert any(u.endswith("/plotly.js") for u in urls)
    assert not [u for u in urls if leaves_the_machine(u)]
    assert_drawn(browser)


def test_the_dashboard_redraws_when_a_trial_is_added(browser, served):
    url, base = served
    browser.get(base + "study?name=live")
    wait_for(browser, "return document.body.dataset.drawn == '30'")
    points = "return document.getElementById('plot-history').data[0].x.length"
    before = browser.execute_script(points)
    study = hl.load_study(study_name="live", storage=url)
    study.enqueue_trial({"x": 1.0, "lr": 0.003, "layers": 1, "act": "tanh"})
    study.optimize(lambda t: (t.suggest_float("x", -5, 5) - 1) ** 2
                   + t.suggest_float("lr", 1e-4, 1e-1, log=True)
                   + 0 * t.suggest_int("layers", 1, 4)
                   + 0 * len(t.suggest_categorical("act", ["relu", "tanh"])), n_trials=1)
    wait_for(browser, "return document.body.dataset.drawn == '31'", timeout=30)
    assert browser.execute_script(points) == before + 1
    assert console_errors(browser) == []

