"""Push-list pages: batches, upload and column mapping, the people of a batch, one person, the review queue."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from alleykeeper.accounts.roles import Capability
from alleykeeper.core.net import client_ip
from alleykeeper.core.paging import page_after
from alleykeeper.core.tabular import TabularError, human_size
from alleykeeper.pushlist import access, actions, tasks
from alleykeeper.pushlist.forms import DecisionForm, MappingForm, OutcomeForm, RevealForm, UploadForm, column_letter
from alleykeeper.pushlist.models import (
    BatchStatus,
    MatchState,
    MatchStatus,
    Outcome,
    PushBatch,
    PushedPerson,
)

PAGE_SIZE = 50
UPLOAD_OVERHEAD = 64 * 1024
STATES = {"matched": MatchState.MATCHED, "review": MatchState.REVIEW, "unmatched": MatchState.UNMATCHED}


@login_required
def batches(request: HttpRequest) -> HttpResponse:
    access.require(request.user)
    visible = list(PushBatch.objects.visible_to(request.user).select_related("community")[:100])
    # The counts a user sees are those of the people they may see: one grouped query for all batches.
    counts = {
        row["batch"]: row
        for row in PushedPerson.objects.visible_to(request.user)
        .filter(batch__in=[b.pk for b in visible])
        .values("batch")
        .annotate(
            total=Count("id"),
            matched=Count("id", filter=Q(match_state=MatchState.MATCHED)),
            review=Count("id", filter=Q(match_state=MatchState.REVIEW)),
            open=Count("id", filter=Q(outcome="") & ~Q(match_state=MatchState.MATCHED)),
        )
    }
    rows = [(batch, counts.get(batch.pk, {})) for batch in visible]
    context = {"rows": rows, "can_import": access.can_import(request.user)}
    return render(request, "pushlist/batches.html", context)


def _upload_page(request: HttpRequest, form: UploadForm, status: int = 200) -> HttpResponse:
    return render(request, "pushlist/upload.html", {"form": form}, status=status)


@login_required
def upload(request: HttpRequest) -> HttpResponse:
    access.require_import(request.user)
    communities = access.communities_for(request.user)
    if request.method != "POST":
        return _upload_page(request, UploadForm(communities=communities))
    if int(request.META.get("CONTENT_LENGTH") or 0) > settings.IMPORT_MAX_BYTES + UPLOAD_OVERHEAD:
        form = UploadForm(communities=communities)
        form.cleaned_data = {}
        form.add_error(None, f"文件太大，单次导入上限是 {human_size(settings.IMPORT_MAX_BYTES)}。请拆分后分别导入。")
        return _upload_page(request, form, status=413)
    form = UploadForm(request.POST, request.FILES, communities=communities)
    if not form.is_valid():
        return _upload_page(request, form, status=400)
    data = form.cleaned_data
    try:
        uploaded = actions.upload_push_list(
            request.user,
            data["community"],
            data["file"].chunks(),
            data["file"].name,
            received_on=data["received_on"],
            source=data["source"],
            note=data["note"],
        )
    except TabularError as problem:
        form.add_error("file", str(problem))
        return _upload_page(request, form, status=400)
    if not uploaded.created:
        messages.warning(request, f"这个文件已经导入过（{uploaded.batch}），没有重复导入。")
    return redirect("pushlist:batch", uploaded.batch.pk)


def _filtered_people(request: HttpRequest, batch: PushBatch):
    people = (
        PushedPerson.objects.visible_to(request.user)
        .filter(batch=batch)
        .select_related("grid", "household__building__alley", "household__unit", "origin")
        .order_by("row_number")
    )
    state, outcome = request.GET.get("state", ""), request.GET.get("outcome", "")
    if state in STATES:
        people = people.filter(match_state=STATES[state])
    elif state == "open":
        people = people.filter(outcome="").exclude(match_state=MatchState.MATCHED)
    elif state == "to_reach":
        people = people.to_reach()
    if outcome in Outcome.values:
        people = people.filter(outcome=outcome)
    elif outcome == "none":
        people = people.filter(outcome="")
    query = "".join(f"{k}={v}&" for k, v in (("state", state), ("outcome", outcome)) if v)
    return people, {"state": state, "outcome": outcome, "query": query}


@login_required
def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    access.require(request.user)
    batch = access.batch_for(request.user, pk)
    if batch.status == BatchStatus.MAPPING:
        return _mapping(request, batch)
    context: dict = {"batch": batch, "can_import": access.can_import(request.user)}
    if batch.status == BatchStatus.DONE:
        people, filters = _filtered_people(request, batch)
        context |= {
            "page": page_after(
                people, request.GET.get("after"), PAGE_SIZE, order=("row_number", "pk"), tag="push_people"
            ),
            "filters": filters,
            "outcomes": Outcome.choices,
            "errors": batch.errors[:200] if context["can_import"] else [],
        }
    return render(request, "pushlist/batch.html", context)


def _mapping(request: HttpRequest, batch: PushBatch) -> HttpResponse:
    access.require_import(request.user)
    form = MappingForm(request.POST or None, batch=batch)
    if request.method == "POST" and form.is_valid():
        if form.header_row_changed():
            try:
                actions.reread_header(batch, form.cleaned_data["header_row"] - 1)
            except TabularError as problem:
                messages.error(request, str(problem))
            return redirect("pushlist:batch", batch.pk)
        actions.confirm_mapping(batch, form.mapping())
        transaction.on_commit(lambda: tasks.import_batch.enqueue(batch.pk, request.user.pk))
        return redirect("pushlist:batch", batch.pk)
    columns = [(column_letter(i), name) for i, name in enumerate(batch.columns)]
    status = 400 if form.errors else 200
    return render(request, "pushlist/mapping.html", {"batch": batch, "form": form, "columns": columns}, status=status)


@login_required
def batch_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """Polled by htmx while the import runs; once it has stopped, the whole page reloads."""
    access.require(request.user)
    batch = access.batch_for(request.user, pk)
    response = render(request, "pushlist/_progress.html", {"batch": batch})
    if not batch.is_running:
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_POST
def batch_retry(request: HttpRequest, pk: int) -> HttpResponse:
    access.require_import(request.user)
    batch = access.batch_for(request.user, pk)
    if batch.status == BatchStatus.FAILED and batch.upload_path:
        batch.status = BatchStatus.MAPPING
        batch.save(update_fields=["status", "updated_at"])
    return redirect("pushlist:batch", batch.pk)


@login_required
@require_POST
def batch_discard(request: HttpRequest, pk: int) -> HttpResponse:
    access.require_import(request.user)
    batch = access.batch_for(request.user, pk)
    if batch.status in (BatchStatus.MAPPING, BatchStatus.FAILED):
        actions.discard_batch(request.user, batch)
        messages.success(request, "已删除这次上传。")
        return redirect("pushlist:batches")
    messages.error(request, "已导入的名单不能删除。")
    return redirect("pushlist:batch", batch.pk)


def _person_context(request: HttpRequest, person: PushedPerson, **extra) -> dict:
    # Only the candidates in the user's scope: a worker never sees a resident of another grid here.
    matches = (
        access.matches_visible_to(request.user)
        .filter(person=person)
        .select_related("resident", "key_person", "grid", "household__building__alley", "household__unit")
    )
    return {
        "person": person,
        "matches": matches,
        "outcome_form": extra.pop("outcome_form", None)
        # The system's proposal is shown beside the choice (系统建议), not chosen for the worker: saving 漏排 makes
        # the person a key person, which takes a decision, not one tap on a preselected answer.
        or OutcomeForm(initial={"outcome": person.outcome, "note": person.outcome_note}),
        "reveal_form": RevealForm(),
        "can_reveal": request.user.can(Capability.REVEAL_IDENTITY),
        **extra,
    }


@login_required
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    access.require(request.user)
    person = access.person_for(request.user, pk)
    return render(request, "pushlist/person.html", _person_context(request, person))


@login_required
@require_POST
def person_outcome(request: HttpRequest, pk: int) -> HttpResponse:
    access.require(request.user)
    person = access.person_for_outcome(request.user, pk)
    form = OutcomeForm(request.POST)
    if not form.is_valid():
        context = _person_context(request, person, outcome_form=form)
        return render(request, "pushlist/person.html", context, status=400)
    actions.set_outcome(request.user, person, form.cleaned_data["outcome"], form.cleaned_data["note"])
    messages.success(request, f"已登记 {person.name} 的核查结果：{person.get_outcome_display()}。")
    return redirect("pushlist:person", person.pk)


@login_required
@require_POST
def match_decide(request: HttpRequest, pk: int) -> HttpResponse:
    access.require(request.user)
    match = access.match_for(request.user, pk)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请选择“是同一人”或“不是同一人”。")
    elif match.status in (MatchStatus.REJECTED, MatchStatus.CONFIRMED):
        messages.warning(request, "这条比对已经处理过了。")
    elif form.cleaned_data["decision"] == "confirm":
        actions.confirm_match(request.user, match, form.cleaned_data["note"])
        messages.success(request, f"已确认：{match.person.name} 与台账中的人是同一人。")
    else:
        actions.reject_match(request.user, match, form.cleaned_data["note"])
        messages.success(request, f"已否定这条比对（{match.person.name}）。")
    target = request.POST.get("next", "")
    if target == "review":
        return redirect("pushlist:review")
    return redirect("pushlist:person", match.person_id)


@login_required
@require_POST
def person_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    access.require(request.user)
    access.require(request.user, Capability.REVEAL_IDENTITY)
    person = access.person_for(request.user, pk)
    form = RevealForm(request.POST)
    if not form.is_valid():
        return render(request, "pushlist/_reveal.html", {"error": "请选择查看用途。"}, status=400)
    value = actions.reveal_pushed_identity(
        request.user, person, form.cleaned_data["field"], form.cleaned_data["purpose"], client_ip(request)
    )
    label = "证件号码" if form.cleaned_data["field"] == "doc" else "电话"
    response = render(request, "pushlist/_reveal.html", {"label": label, "value": value})
    response["Cache-Control"] = "no-store"
    return response


@login_required
def review_queue(request: HttpRequest) -> HttpResponse:
    """Uncertain matches waiting for a worker, in the user's scope, oldest batch first."""
    access.require(request.user)
    pending = (
        access.matches_visible_to(request.user)
        .filter(status=MatchStatus.PENDING)
        .select_related(
            "person__batch", "resident", "key_person", "grid", "household__building__alley", "household__unit"
        )
    )
    order = ("person__batch__received_on", "person__row_number", "-confidence", "pk")
    page = page_after(pending, request.GET.get("after"), PAGE_SIZE, order=order, tag="push_review")
    return render(request, "pushlist/review.html", {"page": page, "query": ""})
