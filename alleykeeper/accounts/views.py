from django.contrib.auth import views as auth_views

from alleykeeper.accounts.forms import ThrottledLoginForm
from alleykeeper.core.net import client_ip


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    form_class = ThrottledLoginForm
    redirect_authenticated_user = True

    def get_form_kwargs(self) -> dict:
        kwargs = super().get_form_kwargs()
        kwargs["client_ip"] = client_ip(self.request)
        return kwargs
