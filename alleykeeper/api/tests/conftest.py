"""API test helpers: a client that sends a token of a persona."""

import pytest
from django.test import Client

from alleykeeper.api.actions import create_token
from alleykeeper.api.models import TokenScope


class ApiClient:
    """Django's test client with a bearer token: JSON in, JSON out."""

    def __init__(self, secret: str | None) -> None:
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {secret}"} if secret else {}

    def get(self, path: str, **params):
        return self.client.get(path, params, headers=self.headers)

    def post(self, path: str, body: dict):
        return self.client.post(path, body, content_type="application/json", headers=self.headers)


def api_for(user, scope: str = TokenScope.READ) -> ApiClient:
    return ApiClient(create_token(user, f"{user.username} {scope}", scope).secret)


@pytest.fixture
def api_personas(world) -> dict[str, ApiClient]:
    clients = {
        name: api_for(getattr(world, name), TokenScope.WRITE)
        for name in ("admin", "worker_a", "worker_b", "duty", "officer", "volunteer")
    }
    clients["anonymous"] = ApiClient(None)
    return clients
