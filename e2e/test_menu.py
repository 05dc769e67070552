"""The main menu on a phone scrolls sideways: it shows the current page's entry, and it never moves under a finger
that has already scrolled it (CI once saw a tap aimed at 今日 land elsewhere as the menu scrolled back)."""

import pytest
from playwright.sync_api import Page, Route

from e2e.helpers import open_menu

pytestmark = pytest.mark.e2e
NAV = "document.querySelector('.mainnav')"
CURRENT_IN_VIEW = f"""() => {{
    const menu = {NAV}.getBoundingClientRect();
    const entry = {NAV}.querySelector('[aria-current]').getBoundingClientRect();
    return entry.left >= menu.left && entry.right <= menu.right;
}}"""


def test_the_current_entry_is_in_view_and_a_scrolled_menu_stays(phone_page: Page, live_world, login):
    page = phone_page
    login(page, live_world.worker_a)
    page.wait_for_load_state("load")
    assert page.evaluate(f"{NAV}.scrollWidth > {NAV}.clientWidth"), "the menu should be wider than a phone"
    assert page.evaluate(f"{NAV}.scrollLeft") == 0  # home is the first entry: nothing to scroll

    open_menu(page, "配送")  # far to the right of a grid worker's menu
    page.wait_for_load_state("load")
    assert page.evaluate(CURRENT_IN_VIEW)

    # The page is shown before its script runs: a person who scrolls the menu in that moment keeps it where they
    # put it. The script is held back until the menu has been scrolled by hand.
    held: list[Route] = []
    page.route("**/core/app*.js", lambda route: held.append(route))
    page.goto("/observation/deliveries/", wait_until="commit")
    page.wait_for_selector(".mainnav [aria-current]", state="attached")
    # Scrolled as a finger would, once the menu can scroll: with the stylesheet applied (until then setting
    # scrollLeft does nothing, and the script, let go, would scroll a menu nobody touched).
    page.wait_for_function(
        f"() => getComputedStyle({NAV}).overflowX === 'auto' && {NAV}.scrollWidth > {NAV}.clientWidth"
    )
    page.evaluate(f"{NAV}.scrollLeft = 5")
    assert page.evaluate(f"{NAV}.scrollLeft") == 5
    for _ in range(100):  # the held request reaches this thread when Playwright next listens
        if held:
            break
        page.wait_for_timeout(50)
    assert held, "the page should ask for core/app.js"
    held[0].continue_()
    page.wait_for_load_state("load")
    assert page.evaluate(f"{NAV}.scrollLeft") == 5
    assert not page.evaluate(CURRENT_IN_VIEW)
