"""The stock list's rows (the stock page and the command center's dashboard read the same)."""

from datetime import datetime

from alleykeeper.supplies.models import USE_DAYS, SupplyItem, amount_text


def stock_rows(items: list[SupplyItem]) -> list[dict]:
    """Each item (annotated by with_use) with its days left: "—" when nothing was used in USE_DAYS days."""
    rows = []
    for item in items:
        days = item.days_left(item.used)
        rows.append(
            {
                "item": item,
                "used": amount_text(item.used),
                "days_left": "—" if days is None else amount_text(days),
                "short": days is not None and days < USE_DAYS,
            }
        )
    return rows


def stock_of(community_ids, now: datetime) -> list[dict]:
    """The stock rows of these communities' items, in one query."""
    items = SupplyItem.objects.filter(community_id__in=community_ids).with_use(now).select_related("community")
    return stock_rows(list(items))
