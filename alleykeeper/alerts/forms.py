"""Alerts forms: few fields, errors that say what to fix. Secrets are write-only (never shown again)."""

from urllib.parse import urlsplit

from django import forms

from alleykeeper.accounts.models import User
from alleykeeper.alerts.models import STAFF_KINDS, ChannelKind, Kind
from alleykeeper.alerts.senders import SMS_PROVIDERS, webhook_allowed
from alleykeeper.core.identity import check_phone


class SecretInput(forms.PasswordInput):
    """Never rendered back (render_value False): a saved secret shows as its hint only."""

    def __init__(self) -> None:
        super().__init__(attrs={"autocomplete": "off"}, render_value=False)


def _webhook(value: str, host_hint: str) -> str:
    value = value.strip()
    if not value:
        return ""
    parts = urlsplit(value)
    if parts.scheme not in ("https", "http") or not parts.netloc:
        raise forms.ValidationError(f"请粘贴机器人的完整 Webhook 地址（以 https:// 开头，通常是 {host_hint} 开头）。")
    if len(value) > 500:
        raise forms.ValidationError("地址太长，请核对是否粘贴了多余的内容。")
    if not webhook_allowed(value):
        raise forms.ValidationError(f"这不是机器人的 Webhook 地址：请在群机器人设置里复制，通常是 {host_hint} 开头。")
    return value


class RobotForm(forms.Form):
    enabled = forms.BooleanField(label="启用", required=False)
    endpoint = forms.CharField(
        label="Webhook 地址",
        required=False,
        max_length=600,
        widget=SecretInput(),
        help_text="含密钥，保存后不再显示；不修改请留空。",
    )

    host_hint = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key="

    def __init__(self, *args, saved: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.saved = saved

    def clean_endpoint(self) -> str:
        value = _webhook(self.cleaned_data.get("endpoint", ""), self.host_hint)
        return value

    def clean(self) -> dict:
        data = super().clean()
        if data.get("enabled") and not data.get("endpoint") and not self.saved and "endpoint" not in self.errors:
            self.add_error("endpoint", "启用前请填写 Webhook 地址。")
        return data

    def options(self) -> dict | None:
        return None


class DingtalkForm(RobotForm):
    host_hint = "https://oapi.dingtalk.com/robot/send?access_token="
    secret = forms.CharField(
        label="加签密钥（SEC 开头）",
        required=False,
        max_length=200,
        widget=SecretInput(),
        help_text="在钉钉机器人“安全设置”中选择“加签”后得到；保存后不再显示，不修改请留空。",
    )

    def clean_secret(self) -> str:
        value = self.cleaned_data.get("secret", "").strip()
        if value and not value.startswith("SEC"):
            raise forms.ValidationError("加签密钥应以 SEC 开头，请从钉钉机器人设置中完整复制。")
        return value


class SmsForm(forms.Form):
    enabled = forms.BooleanField(label="启用", required=False)
    provider = forms.ChoiceField(label="短信平台", choices=list(SMS_PROVIDERS.items()))
    access_key_id = forms.CharField(label="AccessKey ID", required=False, max_length=100)
    secret = forms.CharField(
        label="AccessKey Secret",
        required=False,
        max_length=200,
        widget=SecretInput(),
        help_text="保存后不再显示；不修改请留空。",
    )
    sign_name = forms.CharField(
        label="短信签名", required=False, max_length=30, help_text="在短信平台审核通过的签名，如：开元社区"
    )
    template_reminder = forms.CharField(
        label="上报提醒模板编号", required=False, max_length=40, help_text="如 SMS_123456789"
    )
    template_end = forms.CharField(label="结束通知模板编号", required=False, max_length=40)

    def __init__(self, *args, saved: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.saved = saved

    def clean(self) -> dict:
        data = super().clean()
        if data.get("enabled") and data.get("provider") == "aliyun":
            for name, label in (
                ("access_key_id", "AccessKey ID"),
                ("sign_name", "短信签名"),
                ("template_reminder", "上报提醒模板编号"),
            ):
                if not data.get(name) and name not in self.errors:
                    self.add_error(name, f"使用阿里云短信时请填写{label}。")
            if not data.get("secret") and not self.saved and "secret" not in self.errors:
                self.add_error("secret", "使用阿里云短信时请填写 AccessKey Secret。")
        return data

    def options(self) -> dict:
        data = self.cleaned_data
        return {
            "provider": data["provider"],
            "access_key_id": data["access_key_id"].strip(),
            "sign_name": data["sign_name"].strip(),
            "templates": {
                Kind.RESIDENT_REMINDER: data["template_reminder"].strip(),
                Kind.RESIDENT_END: data["template_end"].strip(),
            },
        }


class EmailForm(forms.Form):
    enabled = forms.BooleanField(
        label="启用", required=False, help_text="发到工作人员账号中登记的邮箱；邮件服务器在部署配置中设置。"
    )

    def __init__(self, *args, saved: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)

    def options(self) -> dict | None:
        return None


CHANNEL_FORMS = {
    ChannelKind.WECOM: RobotForm,
    ChannelKind.DINGTALK: DingtalkForm,
    ChannelKind.SMS: SmsForm,
    ChannelKind.EMAIL: EmailForm,
}


class TestSmsForm(forms.Form):
    phone = forms.CharField(label="接收测试短信的手机号", max_length=20)

    def clean_phone(self) -> str:
        checked = check_phone(self.cleaned_data["phone"])
        if checked.error or len(checked.value) != 11 or not checked.value.startswith("1"):
            raise forms.ValidationError("请填写 11 位手机号，如 13800138000。")
        return checked.value


class RuleForm(forms.Form):
    enabled = forms.BooleanField(label="发送这类提醒", required=False)
    to_case_worker = forms.BooleanField(label="发给责任网格员", required=False)
    to_admins = forms.BooleanField(label="发给社区管理员", required=False)
    users = forms.ModelMultipleChoiceField(
        label="另外通知（如社区医生）",
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "chips"}),
    )
    channels = forms.MultipleChoiceField(
        label="渠道（站内消息总会发送）",
        choices=[(k.value, k.label) for k in ChannelKind if k not in (ChannelKind.INBOX, ChannelKind.SMS)],
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "chips"}),
    )

    def __init__(self, *args, staff=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["users"].queryset = staff if staff is not None else User.objects.none()

    def clean(self) -> dict:
        """A rule that sends to nobody would look switched on and reach no one: a person or a group robot."""
        data = super().clean()
        people = data.get("to_case_worker") or data.get("to_admins") or data.get("users")
        groups = set(data.get("channels") or ()) & {ChannelKind.WECOM, ChannelKind.DINGTALK}
        if data.get("enabled") and not people and not groups and not self.errors:
            raise forms.ValidationError(
                "这样设置没有人会收到这类提醒：请至少勾选一类接收人或一个群机器人，或者取消“发送这类提醒”。"
            )
        return data


MUTE_HOURS = [(2, "2 小时"), (8, "8 小时"), (24, "1 天"), (72, "3 天")]


class MuteForm(forms.Form):
    kind = forms.ChoiceField(label="提醒类型", choices=[])
    hours = forms.TypedChoiceField(label="静音多久", choices=MUTE_HOURS, coerce=int)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(k.value, k.label) for k in STAFF_KINDS]


class SmsSwitchForm(forms.Form):
    consent = forms.BooleanField(
        label="本人已同意接收短信提醒（上报提醒、观察结束通知）",
        required=False,
        help_text="开启时会生成新的本人上报链接，之前发出的链接失效。",
    )
