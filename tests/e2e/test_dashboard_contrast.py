"""Every piece of text the dashboard shows, on whatever it sits on, at WCAG AA's 4.5:1 or more,
in the light and the dark theme: not only the cards (the status line sits on the page's own
background)."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.daemon_process import DaemonProcess
from tests.e2e.browser import Page, contrast, send_beats

pytestmark = pytest.mark.e2e

# Each visible text's colour and the first opaque background behind it, up its ancestors.
TEXTS_JS = """() => {
  const background = (node) => {
    for (let each = node; each; each = each.parentElement) {
      const colour = getComputedStyle(each).backgroundColor;
      if (colour !== "rgba(0, 0, 0, 0)") return colour;
    }
    return getComputedStyle(document.documentElement).backgroundColor;
  };
  const texts = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const text = walker.currentNode;
    const holder = text.parentElement;
    if (!text.data.trim() || !holder.checkVisibility()) continue;
    texts.push({
      text: text.data.trim().slice(0, 40),
      where: `${holder.tagName.toLowerCase()}#${holder.id}.${holder.className}`,
      colour: getComputedStyle(holder).color,
      background: background(holder),
    });
  }
  return texts;
}"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_text_on_the_page_has_at_least_4_5_to_1_contrast(
    midday_daemon: DaemonProcess, browser: Any, scheme: str
):
    now = int(time.time())
    send_beats(midday_daemon, "/code/alpha", range(now - 1200, now - 4, 60))
    send_beats(midday_daemon, "/code/alpha", range(now - 3, now - 2))
    page = Page(browser, color_scheme=scheme)
    shown = page.open(midday_daemon.url + "/")
    shown.click("#days-table-box summary")
    shown.click("#projects-box summary")
    shown.wait_for_function("() => document.getElementById('projects-list').dataset.loaded")
    texts = shown.evaluate(TEXTS_JS)
    assert any(each["where"] == "li#.path" for each in texts), "the projects card's folders"
    assert any(each["where"] == "span#status-live." for each in texts)
    assert any(each["where"] == "span#.active" for each in texts)
    low = [each for each in texts if contrast(each["colour"], each["background"]) < 4.5]
    assert low == []
    assert page.problems == []
