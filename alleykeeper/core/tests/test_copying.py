"""core.copying on PostgreSQL: rows COPY'd by the writer thread land in the import's transaction, what the
server refuses comes back as Django's IntegrityError, and an error while a COPY is in flight rolls back."""

import pytest
from django.db import IntegrityError, connection, transaction

from alleykeeper.core.copying import CopySender, copy_data, copy_statement, reserve_ids
from alleykeeper.registry.models import Community, Street

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's"),
]


def _communities(street: Street, names: list[str]) -> tuple[str, bytes]:
    ids = reserve_ids(Community, len(names))
    rows = [(pk, street.pk, name) for pk, name in zip(ids, names, strict=True)]
    return copy_statement(Community, ["id", "street_id", "name"]), copy_data(rows)


def test_rows_sent_in_order_within_the_transaction():
    street = Street.objects.create(name="测试街道")
    with transaction.atomic(), CopySender() as sender:
        sender.send(_communities(street, ["甲社区", "乙社区"]))
        sender.send(_communities(street, ["丙社区"]), _communities(street, ["丁社区"]))
    assert list(Community.objects.order_by("id").values_list("name", flat=True)) == [
        "甲社区",
        "乙社区",
        "丙社区",
        "丁社区",
    ]


def test_a_refused_row_is_an_integrity_error_and_nothing_stays():
    street = Street.objects.create(name="测试街道")
    with pytest.raises(IntegrityError), transaction.atomic(), CopySender() as sender:
        sender.send(_communities(street, ["甲社区"]))
        sender.send(_communities(street, ["甲社区"]))  # the same name in the same street: unique constraint
    assert not Community.objects.exists()


def test_an_error_here_while_a_copy_is_in_flight_rolls_back_cleanly():
    street = Street.objects.create(name="测试街道")
    with pytest.raises(ValueError), transaction.atomic(), CopySender() as sender:
        sender.send(_communities(street, [f"社区{n}" for n in range(2000)]))
        raise ValueError("the import failed while the writer was sending")
    assert not Community.objects.exists() and Street.objects.count() == 1
