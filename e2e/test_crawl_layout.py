"""Every page the admin, a grid worker and the duty staff reach, on a phone (390 px): nothing sticks out
sideways and the stylesheet and htmx are loaded. The pages are those the crawl of core/tests/sitewide/test_crawl.py
finds in the demo community, one per url name."""

import pytest
from django.test import Client
from playwright.sync_api import Page

from alleykeeper.accounts.models import User
from alleykeeper.demo.activity import load_demo_activity
from alleykeeper.demo.community import load_demo_community
from e2e.helpers import E2E_PASSWORD, assets_loaded, no_horizontal_scroll, stylesheet_loaded
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


PERSONAS = ("admin", "grid_worker", "duty_staff")


def test_every_page_fits_a_phone(demo, phone_page: Page, login):
    """One test for the three personas: the demo is loaded once (it is the costly part), each persona signs in
    on a fresh cookie jar and walks its own pages."""
    broken = []
    for persona in PERSONAS:
        user = User.objects.get(username=DEMO_PERSONAS[persona])
        client = Client()
        client.force_login(user)
        pages = crawl(client).routes()
        assert len(pages) > 5, persona
        phone_page.context.clear_cookies()
        login(phone_page, user)
        for route, url in pages.items():
            phone_page.goto(url)
            if not (stylesheet_loaded if route in SCRIPTLESS else assets_loaded)(phone_page):
                broken.append(f"{persona} {url}: the stylesheet or htmx did not load")
            if not no_horizontal_scroll(phone_page):
                width = phone_page.evaluate("document.documentElement.scrollWidth")
                broken.append(f"{persona} {url}: {width} px wide, scrolls sideways")
    assert not broken, "\n".join(broken)
