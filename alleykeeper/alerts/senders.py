"""The channels' wire: 企业微信 and 钉钉 group robots, SMS providers, e-mail. Each send either returns or
raises DeliveryError with a reason in words and whether trying again later may help.

HTTP goes through urllib (the standard library; requests/httpx are not in requirements.txt). Robots and
providers answer 200 with an error code in the body; those codes are mapped to words here.
"""

import base64
import hashlib
import hmac
import json
import re
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.core.mail import send_mail
from django.utils.module_loading import import_string


class DeliveryError(Exception):
    """`reason` is shown to the admin as it is (Chinese); `transient`: retry later (unreachable, 5xx,
    timeout, rate limited), else the message fails at once (bad key, refused)."""

    def __init__(self, reason: str, *, transient: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.transient = transient


def _request(url: str, *, data: bytes | None = None, headers: dict | None = None, opener=None) -> dict:
    if not url.lower().startswith(("https://", "http://")):
        raise DeliveryError("地址无效：应以 https:// 开头。", transient=False)
    request = urllib.request.Request(url, data=data, headers=headers or {}, method="POST" if data else "GET")  # noqa: S310
    try:
        with (opener or urllib.request.build_opener()).open(request, timeout=settings.ALERTS_HTTP_TIMEOUT) as response:
            raw = response.read(64 * 1024)
    except urllib.error.HTTPError as error:
        if error.code >= 500 or error.code == 429:
            raise DeliveryError(f"对方服务暂时不可用（HTTP {error.code}），稍后自动重试。", transient=True) from error
        if error.code in (401, 403):
            raise DeliveryError(f"密钥无效或无权限（HTTP {error.code}），请检查设置。", transient=False) from error
        raise DeliveryError(f"对方拒绝了请求（HTTP {error.code}），请检查地址。", transient=False) from error
    except TimeoutError as error:
        raise DeliveryError("连接超时，稍后自动重试。", transient=True) from error
    except urllib.error.URLError as error:
        if isinstance(error.reason, TimeoutError | socket.timeout):
            raise DeliveryError("连接超时，稍后自动重试。", transient=True) from error
        raise DeliveryError("无法连接（网络不通或地址错误），稍后自动重试。", transient=True) from error
    except OSError as error:
        raise DeliveryError("无法连接（网络不通或地址错误），稍后自动重试。", transient=True) from error
    try:
        return json.loads(raw.decode("utf-8") or "{}")
    except (UnicodeDecodeError, ValueError) as error:
        raise DeliveryError("对方返回的不是预期的格式，请检查地址是否为机器人的 Webhook。", transient=False) from error


def webhook_allowed(url: str) -> bool:
    """A group robot's webhook names one of ALERTS_WEBHOOK_HOSTS (the server posts to it and shows the answer:
    an address inside the network must not be reachable through it)."""
    try:
        host = (urllib.parse.urlsplit(url).hostname or "").lower()
    except ValueError:
        return False
    return host in {allowed.lower() for allowed in settings.ALERTS_WEBHOOK_HOSTS}


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A webhook that answers with a redirect is refused, not followed (it could lead anywhere)."""

    def redirect_request(self, *args, **kwargs) -> None:
        return None


_ROBOT_OPENER = urllib.request.build_opener(_NoRedirect)


def _post_json(url: str, payload: dict) -> dict:
    if not webhook_allowed(url):
        raise DeliveryError("Webhook 地址不是企业微信或钉钉机器人的地址，请在设置中重新粘贴。", transient=False)
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    return _request(url, data=body, headers={"Content-Type": "application/json; charset=utf-8"}, opener=_ROBOT_OPENER)


@dataclass(frozen=True)
class Robot:
    """A group robot's answer codes: which mean "try again later" and which a bad address or key."""

    name: str
    transient: frozenset[int]
    bad_key: frozenset[int]
    bad_key_words: str

    def check(self, answer: dict) -> None:
        code = answer.get("errcode", 0)
        if code == 0:
            return
        if code in self.transient:
            raise DeliveryError(f"{self.name}限流或繁忙（{code}），稍后自动重试。", transient=True)
        if code in self.bad_key:
            raise DeliveryError(f"{self.name}{self.bad_key_words}（{code}），请检查设置。", transient=False)
        raise DeliveryError(f"{self.name}拒绝了消息（{code} {str(answer.get('errmsg', ''))[:80]}）。", transient=False)


# 企业微信 群机器人: 45009 over the limit (20 a minute), -1 busy; 93000 and the 400xx codes a bad webhook or key.
WECOM = Robot("企业微信", frozenset({45009, -1}), frozenset({93000, 40008, 40001, 40014}), "机器人地址或密钥无效")
# 钉钉 自定义机器人: 130101 sending too fast, -1 busy; 310000 a bad signature or keyword, 300001/4001xx a bad token.
DINGTALK = Robot("钉钉", frozenset({130101, -1}), frozenset({310000, 300001, 400013, 400101}), "签名或令牌无效")


def send_wecom(webhook: str, text: str) -> None:
    WECOM.check(_post_json(webhook, {"msgtype": "text", "text": {"content": text}}))


def dingtalk_signed_url(webhook: str, secret: str, timestamp_ms: int) -> str:
    """钉钉 加签: sign = urlencode(base64(HMAC-SHA256(secret, f"{timestamp}\\n{secret}"))), timestamp in ms,
    both appended to the webhook (which carries access_token)."""
    to_sign = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode("utf-8"), to_sign, hashlib.sha256).digest()
    sign = urllib.parse.quote_plus(base64.b64encode(digest).decode())
    joiner = "&" if "?" in webhook else "?"
    return f"{webhook}{joiner}timestamp={timestamp_ms}&sign={sign}"


def send_dingtalk(webhook: str, secret: str, text: str) -> None:
    url = dingtalk_signed_url(webhook, secret, int(time.time() * 1000)) if secret else webhook
    DINGTALK.check(_post_json(url, {"msgtype": "text", "text": {"content": text}}))


def send_email(address: str, subject: str, text: str) -> None:
    try:
        send_mail(subject, text, None, [address])
    except (OSError, TimeoutError) as error:
        raise DeliveryError("邮件服务器无法连接，稍后自动重试。", transient=True) from error


# -- SMS ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SmsAccount:
    """A community's SMS settings: provider, access key (id plain, secret sealed at rest), the signature
    name and the approved template code of each kind of message."""

    provider: str
    access_key_id: str
    access_key_secret: str
    sign_name: str
    templates: dict


class SmsBackend:
    def send(self, account: SmsAccount, phone: str, template: str, params: dict, text: str) -> None:
        raise NotImplementedError


_LINK = re.compile(r"https?://\S+")


class ConsoleSms(SmsBackend):
    """Development: the SMS is printed to the worker's console with the phone masked (never to the log: the
    text carries the person's self-report link). With DEBUG off the link is left out too: a console under
    systemd is the journal, a log. The last few are kept in memory for the tests."""

    sent: list[tuple[str, str]] = []
    KEEP = 50

    def send(self, account: SmsAccount, phone: str, template: str, params: dict, text: str) -> None:
        from alleykeeper.core.identity import mask_phone

        ConsoleSms.sent = [*ConsoleSms.sent[-(ConsoleSms.KEEP - 1) :], (phone, text)]
        shown = text if settings.DEBUG else _LINK.sub("（链接不显示）", text)
        print(f"[短信] {mask_phone(phone)}：{shown}")


def aliyun_percent(value: str) -> str:
    """Aliyun's percent-encoding: RFC 3986 unreserved characters left alone, space as %20."""
    return urllib.parse.quote(value, safe="-_.~")


def aliyun_signature(params: dict, secret: str, method: str = "POST") -> str:
    """RPC signature v1.0: sort the parameters, percent-encode names and values, join, then
    Base64(HMAC-SHA1(secret + "&", method + "&%2F&" + percent(query)))."""
    query = "&".join(f"{aliyun_percent(k)}={aliyun_percent(str(v))}" for k, v in sorted(params.items()))
    to_sign = f"{method}&{aliyun_percent('/')}&{aliyun_percent(query)}"
    digest = hmac.new(f"{secret}&".encode(), to_sign.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


_ALIYUN_TRANSIENT = {"isv.BUSINESS_LIMIT_CONTROL", "isp.SYSTEM_ERROR", "Throttling", "ServiceUnavailable"}
_ALIYUN_BAD_KEY = {"InvalidAccessKeyId.NotFound", "SignatureDoesNotMatch", "InvalidAccessKeyId", "Forbidden.RAM"}


class AliyunSms(SmsBackend):
    """阿里云短信服务 SendSms (API version 2017-05-25) over its documented RPC HTTP API, signed with
    HMAC-SHA1: no SDK needed."""

    def send(self, account: SmsAccount, phone: str, template: str, params: dict, text: str) -> None:
        query = {
            "AccessKeyId": account.access_key_id,
            "Action": "SendSms",
            "Format": "JSON",
            "PhoneNumbers": phone,
            "RegionId": "cn-hangzhou",
            "SignName": account.sign_name,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": uuid.uuid4().hex,
            "SignatureVersion": "1.0",
            "TemplateCode": template,
            "TemplateParam": json.dumps(params, ensure_ascii=False),
            "Timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": "2017-05-25",
        }
        query["Signature"] = aliyun_signature(query, account.access_key_secret)
        body = urllib.parse.urlencode(query, quote_via=urllib.parse.quote).encode()
        answer = _request(
            settings.ALERTS_ALIYUN_SMS_ENDPOINT,
            data=body,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        code = answer.get("Code", "")
        if code == "OK":
            return
        if code in _ALIYUN_TRANSIENT:
            raise DeliveryError(f"短信平台限流或繁忙（{code}），稍后自动重试。", transient=True)
        if code in _ALIYUN_BAD_KEY:
            raise DeliveryError(f"短信平台 AccessKey 无效（{code}），请检查设置。", transient=False)
        raise DeliveryError(f"短信平台拒绝发送（{code} {str(answer.get('Message', ''))[:80]}）。", transient=False)


SMS_PROVIDERS = {"console": "控制台（开发用，不真正发送）", "aliyun": "阿里云短信"}
_BACKENDS = {"console": ConsoleSms, "aliyun": AliyunSms}


def sms_backend(provider: str) -> SmsBackend:
    override = settings.ALERTS_SMS_BACKEND
    if override:
        return import_string(override)()
    return _BACKENDS.get(provider, ConsoleSms)()
