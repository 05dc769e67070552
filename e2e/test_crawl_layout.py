"""Every page each role reaches, and the public ones (sign-in, the visitor's form from the gate's QR code), on a
phone (390 px): nothing sticks out sideways, the stylesheet and htmx are loaded, and axe-core finds nothing
against WCAG 2 AA (contrast, labels, names, structure: older volunteers use these pages in sunlight at a gate).
The pages are those the crawl of core/tests/sitewide/test_crawl.py finds in the demo community, one per url
name."""

import pytest
from django.test import Client
from django.urls import reverse
from playwright.sync_api import Page

from alleykeeper.accounts.models import User
from alleykeeper.demo.activity import load_demo_activity
from alleykeeper.demo.community import load_demo_community
from alleykeeper.gates.models import Gate
from e2e.helpers import E2E_PASSWORD, accessibility_problems, assets_loaded, no_horizontal_scroll, stylesheet_loaded
from testkit.crawl import DEMO_PERSONAS, crawl

pytestmark = pytest.mark.e2e
# Pages with our stylesheet and no htmx: the gate's poster (printed), the API's documentation (Swagger UI's own
# scripts, from django-ninja's static files).
SCRIPTLESS = {"visitors:poster", "api-v1:openapi-view"}


@pytest.fixture
def demo(transactional_db, settings, tmp_path, report_formats) -> None:
    """The demo community, its staff logging in with the browser tests' password, at the site-wide moment
    (e2e/conftest.py sets the clock), and the daily report's formats (its report pages show one)."""
    settings.PRIVATE_UPLOAD_ROOT = tmp_path
    load_demo_community(E2E_PASSWORD)
    load_demo_activity()


FIELD_ROLES = ("admin", "grid_worker", "duty_staff")
PERSONAS = (*FIELD_ROLES, *(persona for persona in DEMO_PERSONAS if persona not in FIELD_ROLES))


def _check(page: Page, route: str, label: str) -> list[str]:
    problems = []
    if not (stylesheet_loaded if route in SCRIPTLESS else assets_loaded)(page):
        problems.append(f"{label}: the stylesheet or htmx did not load")
    if not no_horizontal_scroll(page):
        width = page.evaluate("document.documentElement.scrollWidth")
        problems.append(f"{label}: {width} px wide, scrolls sideways")
    return problems + [f"{label}: {problem}" for problem in accessibility_problems(page)]


def test_every_page_fits_a_phone_and_meets_wcag_aa(demo, phone_page: Page, login):
    """One test for every persona: the demo is loaded once (it is the costly part), each persona signs in on a
    fresh cookie jar and walks its own pages; first the pages anybody opens."""
    broken = []
    gate = Gate.objects.filter(token__gt="").order_by("pk").first()
    for route, args in (("accounts:login", []), ("visitors:register", [gate.token])):
        phone_page.goto(reverse(route, args=args))
        broken += _check(phone_page, route, f"anonymous {route}")
    checked: set[str] = set()
    for persona in PERSONAS:
        user = User.objects.get(username=DEMO_PERSONAS[persona])
        client = Client()
        client.force_login(user)
        pages = crawl(client).routes()
        assert len(pages) > 5, persona
        phone_page.context.clear_cookies()
        login(phone_page, user)
        for route, url in pages.items():
            # The three field roles walk all their pages; the others their home and the kinds of page not
            # walked yet (the same page for another role differs in little but the menu): CI's time.
            if persona not in FIELD_ROLES and route in checked and route != "center:home":
                continue
            checked.add(route)
            phone_page.goto(url)
            broken += _check(phone_page, route, f"{persona} {url}")
    assert not broken, "\n".join(broken)
