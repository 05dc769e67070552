"""The street's own daily report: the sum of its communities' signed reports of that day.

Only signed reports count (the newest signed version: a signed correction replaces the version it corrects).
A community that has not signed yet is named as missing and counts for nothing in the sums: the street office
sees "3 of 4 communities signed; 开元社区 not yet", never a draft's figures. Lists of people are not summed:
each community's report carries its own.
"""

from dataclasses import dataclass
from datetime import date

from alleykeeper.registry.models import Community, Street
from alleykeeper.reports.figures import FIGURES
from alleykeeper.reports.models import DailyReport


@dataclass
class StreetReport:
    street: Street
    day: date
    figures: dict[str, int]
    signed: list[DailyReport]  # the newest signed version of each community that signed
    missing: list[Community]  # communities of the street (in the viewer's scope) without a signed report

    @property
    def complete(self) -> bool:
        return not self.missing


def street_report(user, street: Street, day: date) -> StreetReport:
    """Two queries whatever the number of communities."""
    communities = list(Community.objects.visible_to(user).filter(street=street).order_by("name"))
    reports = {
        report.community_id: report
        for report in DailyReport.objects.latest_signed()
        .filter(community__in=communities, day=day)
        .select_related("community", "signed_by")
    }
    figures = dict.fromkeys(FIGURES, 0)
    for report in reports.values():
        for key in figures:
            figures[key] += int(report.figures.get(key, 0))
    return StreetReport(
        street=street,
        day=day,
        figures=figures,
        signed=[reports[c.pk] for c in communities if c.pk in reports],
        missing=[c for c in communities if c.pk not in reports],
    )
