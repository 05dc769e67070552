"""Push-list test helpers: private uploads in a temporary folder, and importing a list in one call."""

from datetime import date

import pytest

from alleykeeper.pushlist import actions
from alleykeeper.pushlist.models import BatchStatus, PushBatch

RECEIVED = date(2020, 2, 3)


@pytest.fixture(autouse=True)
def _private_uploads(settings, tmp_path) -> None:
    settings.PRIVATE_UPLOAD_ROOT = tmp_path / "uploads"


@pytest.fixture
def import_list(world):
    """Upload, accept the guessed columns and import, as the admin would through the pages."""

    def run(content: bytes, name: str = "推送名单.csv", *, received_on: date = RECEIVED, community=None) -> PushBatch:
        uploaded = actions.upload_push_list(
            world.admin, community or world.community, [content], name, received_on=received_on, source="区指挥部"
        )
        batch = uploaded.batch
        if batch.status == BatchStatus.MAPPING:
            actions.confirm_mapping(batch, batch.mapping)
            actions.import_batch(world.admin, batch)
        batch.refresh_from_db()
        return batch

    return run
