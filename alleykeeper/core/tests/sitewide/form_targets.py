"""The pages the hostile-form test (test_hostile_forms.py) opens directly, where the crawl may not reach a
form in the state it needs: a public link, the roster gate, a blocked enterprise, a task not yet done, an
application at each review step. Each returns (url, html)."""

from django.test import Client
from django.urls import reverse

from alleykeeper.gates.models import Gate, GateState
from alleykeeper.observation.actions import issue_report_link
from alleykeeper.observation.models import CaseStatus, ObservationCase
from alleykeeper.registry.models import Household
from alleykeeper.reopening import actions as reopening_actions
from alleykeeper.reopening.models import Application, ApplicationStatus, Enterprise
from alleykeeper.sanitation.models import DisinfectionTask
from testkit.crawl import client_for

# The enterprise link's pages, each on an enterprise of the demo that its form is for.
PUBLIC_REOPENING = {
    "reopening:public": ("applications__status", ApplicationStatus.SUBMITTED),
    "reopening:public_staff": ("applications__status", ApplicationStatus.SUBMITTED),
    "reopening:public_slot": ("name", "丽人美发"),  # approved, with slots of its floor
    "reopening:public_report": ("state", "open"),
}
# The review's forms, on the pages of the demo's applications in the state each step starts from (the crawl
# opens three applications, not necessarily one of each state): opened directly.
REVIEW_FORMS = {
    "reopening:review": ("reopening:application", "submitted"),
    "reopening:return": ("reopening:return", "submitted"),
    "reopening:reject": ("reopening:reject", "under_review"),
    "reopening:inspect": ("reopening:inspect", "under_review"),
    "reopening:approve": ("reopening:application", "inspected"),
}


def public_target(route: str, outsider: Household) -> tuple[str, str]:
    """The page of a public form: an open gate's visitor form, an observed person's self-report link."""
    if route in PUBLIC_REOPENING:
        # The link of an enterprise the page's form is for (an application that may still be corrected, an
        # approved enterprise with slots to take, an open one that reports daily).
        field, value = PUBLIC_REOPENING[route]
        enterprise = Enterprise.objects.filter(**{field: value}).order_by("pk").first()
        url = reverse(route, args=[reopening_actions.issue_link(None, enterprise)])
        html = Client().get(url).content.decode()
    elif route == "visitors:register":
        gate = Gate.objects.filter(state=GateState.OPEN).exclude(enclosure__community=outsider.community)
        url = reverse("visitors:register", args=[gate.order_by("pk").first().token])
        html = Client().get(url).content.decode()
    else:
        # The first case whose link offers the form now (a case that has reported for this slot shows none).
        cases = ObservationCase.objects.filter(status=CaseStatus.ACTIVE).exclude(community=outsider.community)
        for case in cases.order_by("pk"):
            url = reverse("observation:self_report", args=[issue_report_link(case.assigned_worker, case)])
            html = Client().get(url).content.decode()
            if "<form" in html.split("</header>")[1]:
                break
    return url, html


def roster_gate_target(route: str) -> tuple[str, str]:
    gate = Gate.objects.get(name="城北路口")
    if route == "gates:shift_cancel":
        url = reverse("gates:roster", args=[gate.pk])
    else:
        url = reverse("gates:weekly_entry_edit", args=[gate.roster_entries.order_by("pk").first().pk])
    return url, client_for("admin").get(url).content.decode()


def staff_decision_target() -> tuple[str, str]:
    """The returning-staff page of the demo's enterprise with someone blocking (开元童装): the decision form."""
    enterprise = Enterprise.objects.filter(staff__blocking=True).order_by("pk").first()
    url = reverse("reopening:staff", args=[enterprise.pk])
    return url, client_for("admin").get(url).content.decode()


def open_task_target() -> tuple[str, str]:
    """A task of the demo not yet done (its page has the done form; the crawl opens three tasks, which may all
    be done by the hour the demo was loaded at): opened directly."""
    task = DisinfectionTask.objects.filter(done_at=None, community__name="开元社区").order_by("due_at", "pk").first()
    url = reverse("sanitation:task", args=[task.pk])
    return url, client_for("admin").get(url).content.decode()


def review_target(route: str) -> tuple[str, str]:
    page, status = REVIEW_FORMS[route]
    # An application whose returning staff do not block it (开元童装's would show no approve button).
    applications = Application.objects.filter(status=status, enterprise__community__name="开元社区")
    application = applications.exclude(enterprise__staff__blocking=True).order_by("pk").first()
    url = reverse(page, args=[application.pk])
    return url, client_for("admin").get(url).content.decode()
