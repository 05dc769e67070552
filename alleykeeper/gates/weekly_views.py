"""The weekly roster (每周排班) of a gate: its lines, adding and changing them, pausing the generator, making
the coming shifts now; and cancelling one shift. The writes are gates/roster.py's."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from alleykeeper.accounts.models import User
from alleykeeper.gates import access, roster, rules
from alleykeeper.gates.forms import CancelShiftForm, RosterEntryForm
from alleykeeper.gates.models import Gate, RosterEntry, SkippedShift

NOTES_SHOWN = 20


def _report(request: HttpRequest, done: roster.Generated, what: str = "已生成") -> None:
    if done.shifts:
        messages.success(request, f"{what} {done.shifts} 个班次，排入 {done.members} 人次。")
    for note in done.notes[:NOTES_SHOWN]:
        messages.warning(request, note)
    if len(done.notes) > NOTES_SHOWN:
        messages.warning(request, f"另有 {len(done.notes) - NOTES_SHOWN} 条未排入，请逐个检查。")


def _weekly_url(gate_id: int) -> str:
    return reverse("gates:weekly", args=[gate_id])


@login_required
def weekly(request: HttpRequest, pk: int) -> HttpResponse:
    gate = access.managed_gate_for(request.user, pk)
    entries = list(
        RosterEntry.objects.filter(gate=gate)
        .select_related("leader")
        .prefetch_related(Prefetch("crew", queryset=User.objects.order_by("display_name", "username")))
        .order_by("starts", "weekdays", "pk")
    )
    by_day = [(f"周{name}", [e for e in entries if n in e.days]) for n, name in enumerate(rules.WEEKDAYS)]
    skips = SkippedShift.objects.filter(entry__gate=gate, day__gte=timezone.localdate()).select_related("entry")
    context = {
        "gate": gate,
        "entries": entries,
        "by_day": by_day,
        "skips": list(skips.order_by("day")[:50]),
        "days_ahead": roster.GENERATE_DAYS,
    }
    return render(request, "gates/weekly.html", context)


def _entry_page(request: HttpRequest, gate: Gate, entry: RosterEntry | None) -> HttpResponse:
    staff = rules.eligible_staff(gate.enclosure.community_id)
    form = RosterEntryForm(request.POST or None, gate=gate, staff=staff, entry=entry)
    if request.method == "POST" and form.is_valid():
        entry, done = roster.save_roster_entry(request.user, gate, entry, form.cleaned_data)
        messages.success(request, f"已保存每周排班：{entry.weekdays_label} {entry.starts:%H:%M}–{entry.ends:%H:%M}。")
        _report(request, done, "已按新排班生成")
        return redirect(_weekly_url(gate.pk))
    context = {"gate": gate, "entry": entry, "form": form}
    return render(request, "gates/weekly_entry.html", context, status=400 if form.errors else 200)


@login_required
def entry_new(request: HttpRequest, pk: int) -> HttpResponse:
    return _entry_page(request, access.managed_gate_for(request.user, pk), None)


@login_required
def entry_edit(request: HttpRequest, pk: int) -> HttpResponse:
    entry = access.roster_entry_for(request.user, pk)
    return _entry_page(request, entry.gate, entry)


@login_required
@require_POST
def entry_delete(request: HttpRequest, pk: int) -> HttpResponse:
    entry = access.roster_entry_for(request.user, pk)
    label = f"{entry.weekdays_label} {entry.starts:%H:%M}–{entry.ends:%H:%M}"
    dropped = roster.delete_roster_entry(request.user, entry)
    messages.success(request, f"已删除每周排班“{label}”，撤掉尚未开始、未手工调整的 {dropped} 个班次。")
    return redirect(_weekly_url(entry.gate_id))


@login_required
@require_POST
def generate(request: HttpRequest, pk: int) -> HttpResponse:
    gate = access.managed_gate_for(request.user, pk)
    if not gate.weekly_roster_active:
        messages.error(request, "每周排班已暂停，请先恢复再生成班次。")
        return redirect(_weekly_url(gate.pk))
    done = roster.generate_shifts(request.user, gates=[gate])
    if not done.shifts and not done.notes:
        messages.info(request, f"未来 {roster.GENERATE_DAYS} 天的班次都已生成，没有新增。")
    _report(request, done)
    return redirect(_weekly_url(gate.pk))


@login_required
@require_POST
def set_active(request: HttpRequest, pk: int) -> HttpResponse:
    gate = access.managed_gate_for(request.user, pk)
    active = request.POST.get("active") == "1"
    roster.set_weekly_roster_active(request.user, gate, active)
    if active:
        messages.success(request, "已恢复每周排班，每天自动生成班次。")
    else:
        messages.success(request, "已暂停每周排班：不再自动生成班次，已生成的班次保留。")
    return redirect(_weekly_url(gate.pk))


@login_required
@require_POST
def cancel_shift(request: HttpRequest, pk: int) -> HttpResponse:
    """Cancel one shift with its group; a shift of the weekly roster is not made again on that day."""
    shift = access.shift_for(request.user, pk)
    form = CancelShiftForm(request.POST)
    week_url = reverse("gates:roster", args=[shift.gate_id]) + f"?week={timezone.localdate(shift.starts_at)}"
    if not form.is_valid():
        messages.error(request, "原因最多 100 个字，请改短后重试。")
        return redirect(week_url)
    label = rules.local_label(shift.starts_at, shift.ends_at)
    roster.cancel_shift(request.user, shift, form.cleaned_data["reason"])
    if request.htmx:
        return HttpResponse(f'<p class="help" role="status">已取消 {label} 的班次。</p>')
    messages.success(request, f"已取消 {label} 的班次。")
    return redirect(week_url)
