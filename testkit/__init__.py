"""Test support: the world and its personas (`world`), forms as a browser submits them (`forms`), the site
crawler (`crawl`). Beside the tests, outside the production package."""
