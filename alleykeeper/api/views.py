"""The owner's page of API tokens: create (the secret is shown once), list, revoke."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from alleykeeper.accounts.second_factor import pending
from alleykeeper.api import access, actions
from alleykeeper.api.forms import TokenForm
from alleykeeper.api.models import ApiToken


@login_required
def tokens(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST or None)
    created = None
    if request.method == "POST" and form.is_valid():
        if pending(request.user):
            # A token acts without a session, so it is made only by a session that passed the second factor.
            form.add_error(None, "创建令牌前请先完成两步验证（页面顶部的链接）：令牌能做的事与验证后的您相同。")
        else:
            data = form.cleaned_data
            created = actions.create_token(request.user, data["name"], data["scope"], purpose=data["purpose"])
            form = TokenForm()
    context = {
        "form": form,
        "created": created,
        "tokens": ApiToken.objects.visible_to(request.user),
    }
    response = render(request, "api/tokens.html", context, status=400 if form.errors else 200)
    response["Cache-Control"] = "no-store"  # the new secret must not stay in a cache
    return response


@login_required
@require_POST
def revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = access.token_for(request.user, pk)
    actions.revoke_token(request.user, token)
    messages.success(request, f"已撤销令牌“{token.name}”：使用它的系统将无法再访问。")
    return redirect("api:tokens")
