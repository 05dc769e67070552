"""The supplies pages: the stock list (days left, low stock), an item's history, and the forms for an item,
stock in, stock out and a stocktake correction. Views parse, check access, call supplies.actions, render."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from alleykeeper.accounts.roles import Capability
from alleykeeper.supplies import access, actions
from alleykeeper.supplies.forms import CorrectForm, DrawForm, ItemForm, ReceiveForm
from alleykeeper.supplies.models import USE_DAYS, StockMove, SupplyItem, amount_text
from alleykeeper.supplies.stock import stock_rows

HISTORY_ROWS = 200


@login_required
def stock(request: HttpRequest) -> HttpResponse:
    access.require_see_stock(request.user)
    now = timezone.now()
    items = list(access.items_visible_to(request.user).with_use(now).select_related("community"))
    context = {
        "rows": stock_rows(items),
        "use_days": USE_DAYS,
        "can_manage": request.user.can(Capability.MANAGE_SUPPLIES),
        "several": len({item.community_id for item in items}) > 1,
        "low": sum(1 for item in items if item.is_low),
    }
    return render(request, "supplies/stock.html", context)


@login_required
def item_detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = access.item_for(request.user, pk)
    moves = list(
        StockMove.objects.filter(item=item)
        .select_related("recipient", "gate", "household__building__alley", "household__unit", "recorded_by")
        .order_by("-at", "-id")[:HISTORY_ROWS]
    )
    used = SupplyItem.objects.filter(pk=item.pk).with_use(timezone.now()).values_list("used", flat=True).first()
    days = item.days_left(used)
    context = {
        "item": item,
        "moves": moves,
        "more": len(moves) == HISTORY_ROWS,
        "days_left": "—" if days is None else amount_text(days),
        "used": amount_text(used),
        "use_days": USE_DAYS,
        "can_manage": request.user.can(Capability.MANAGE_SUPPLIES),
    }
    return render(request, "supplies/item.html", context)


@login_required
def item_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    access.require_manage(request.user)
    item = access.item_for(request.user, pk, manage=True) if pk else None
    communities = None if item else access.communities_managed_by(request.user)
    form = ItemForm(request.POST or None, instance=item, communities=communities)
    if request.method == "POST" and form.is_valid():
        community = item.community if item else form.cleaned_data["community"]
        saved = actions.save_item(request.user, community, item, form.cleaned_data)
        messages.success(request, f"已保存物资 {saved.name}。")
        return redirect("supplies:item", saved.pk)
    return render(request, "supplies/item_form.html", {"form": form, "item": item})


def _move_page(request: HttpRequest, pk: int, form_class, title: str, submit) -> HttpResponse:
    item = access.item_for(request.user, pk, manage=True)
    kwargs = {"item": item} if form_class is DrawForm else {}
    form = form_class(request.POST or None, **kwargs)
    if request.method == "POST" and form.is_valid():
        try:
            move = submit(item, form.cleaned_data)
        except actions.SupplyError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                f"已登记：{item.name} {move.get_kind_display()} {move.quantity_text} {item.unit}，结存 {move.balance_text}。",
            )
            return redirect("supplies:item", item.pk)
    return render(request, "supplies/move_form.html", {"form": form, "item": item, "title": title})


@login_required
def receive(request: HttpRequest, pk: int) -> HttpResponse:
    def submit(item: SupplyItem, data: dict) -> StockMove:
        return actions.receive_stock(
            request.user, item, data["kind"], data["quantity"], source=data["source"], note=data["note"]
        )

    return _move_page(request, pk, ReceiveForm, "入库", submit)


@login_required
def draw(request: HttpRequest, pk: int) -> HttpResponse:
    def submit(item: SupplyItem, data: dict) -> StockMove:
        return actions.draw_stock(
            request.user,
            item,
            data["kind"],
            data["quantity"],
            recipient=data["recipient"],
            gate=data["gate"],
            household=data["household"],
            note=data["note"],
        )

    return _move_page(request, pk, DrawForm, "发放", submit)


@login_required
def correct(request: HttpRequest, pk: int) -> HttpResponse:
    def submit(item: SupplyItem, data: dict) -> StockMove:
        return actions.correct_stock(request.user, item, data["counted"], data["reason"])

    return _move_page(request, pk, CorrectForm, "盘点更正", submit)
