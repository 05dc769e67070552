"""Following a page list's 下一页 links (core/keyset_pagination.html) for the keyset tests (tests only)."""

import re
from collections.abc import Callable

from django.test import Client

NEXT_LINK = re.compile(r'href="\?([^"]*after=[^"]+)">下一页')


def follow_pages(
    client: Client, url: str, *, key: str = "page", after_first: Callable[[], object] | None = None
) -> list[int]:
    """The ids of every row of the list at `url`, page after page. `after_first` runs once the first page is
    read (an insert while someone pages): OFFSET paging would then repeat or skip a row, keyset never does."""
    path, seen = url.split("?")[0], []
    while url:
        response = client.get(url)
        assert response.status_code == 200, url
        seen += [row.pk for row in response.context[key]]
        if after_first is not None:
            after_first()
            after_first = None
        match = NEXT_LINK.search(response.content.decode())
        url = f"{path}?{match.group(1).replace('&amp;', '&')}" if match else ""
        assert "page=" not in url
    return seen
