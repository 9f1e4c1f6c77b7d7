"""The web page in a real headless Chromium: upload the group photo, see five faces."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.serve.conftest import Server

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def browser():  # noqa: ANN201 - playwright's own type
    if CHROMIUM is None:
        pytest.skip("no Chromium installed (apt-get install chromium; .ci/run does)")
    sync_api = pytest.importorskip("playwright.sync_api",
                                   reason="the page test needs playwright (pip)")
    with sync_api.sync_playwright() as driver:
        launched = driver.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync"])
        yield launched
        launched.close()


def test_page_shows_five_faces_for_the_group_photo(server: Server, browser, media: Path
                                                   ) -> None:
    page = browser.new_page()
    page.goto(server.url)
    page.wait_for_function("document.querySelector('#model').options.length > 0")
    page.set_input_files("#picker", str(media / "multi_face.jpg"))
    page.wait_for_selector("#image-result:not([hidden])", timeout=60_000)
    rows = page.locator("#faces tbody tr")
    assert rows.count() == 5
    assert page.locator("#faces tbody .bar").count() == 5 * 8  # 8 emotion bars per face
    assert "5 faces" in page.text_content("#status")
    width = page.evaluate("document.getElementById('canvas').width")
    assert width == 1000 or width > 0


def test_page_says_why_a_file_is_rejected(server: Server, browser, tmp_path: Path) -> None:
    bad = tmp_path / "notes.jpg"
    bad.write_text("not an image")
    page = browser.new_page()
    page.goto(server.url)
    page.set_input_files("#picker", str(bad))
    page.wait_for_selector("#error:not([hidden])", timeout=30_000)
    assert "notes.jpg: not a readable image" in page.text_content("#error")


def test_page_draws_a_timeline_for_a_video(server: Server, browser, media: Path) -> None:
    page = browser.new_page()
    page.goto(server.url)
    page.set_input_files("#picker", str(media / "single_face.mp4"))
    page.wait_for_selector("#video-result:not([hidden])", timeout=120_000)
    assert page.locator("#timeline svg rect").count() > 5
    assert page.locator("#tracks tbody tr").count() >= 1
