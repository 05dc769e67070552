"""What a browser would submit from a page's form, for tests that post a page back as it was shown."""

import re
from dataclasses import dataclass, field
from datetime import datetime
from html.parser import HTMLParser

# What a browser keeps of an input's value attribute (HTML's value sanitization): anything else is sent
# empty, which is how a date rendered as 2020/03/01 erased the stored date.
_DATE = r"(?P<date>\d{4}-\d{2}-\d{2})"
_TIME = r"(?P<time>\d{2}:\d{2})(:[0-5]\d(\.\d{1,3})?)?"
_VALID = {
    "date": re.compile(_DATE),
    "time": re.compile(_TIME),
    "datetime-local": re.compile(_DATE + "[T ]" + _TIME),  # a space is valid too
    "number": re.compile(r"-?(\d+|\d*\.\d+)([eE][-+]?\d+)?"),
}
_NOT_SENT = {"submit", "button", "image", "reset", "file"}


def browser_value(input_type: str, value: str) -> str:
    """An input's value as a browser submits it: line breaks dropped from text, an invalid date, time or
    number sent empty."""
    if input_type not in _VALID:
        return value.replace("\r", "").replace("\n", "")
    match = _VALID[input_type].fullmatch(value)
    if match is None:
        return ""
    parts = match.groupdict()
    if "date" in parts and not _parses(parts["date"], "%Y-%m-%d"):
        return ""
    if "time" in parts and not _parses(parts["time"], "%H:%M"):
        return ""
    return value


def _parses(text: str, pattern: str) -> bool:
    try:
        datetime.strptime(text, pattern)
    except ValueError:
        return False
    return True


@dataclass
class _Form:
    method: str
    action: str
    fields: list[tuple[str, str]] = field(default_factory=list)
    kinds: dict[str, str] = field(default_factory=dict)  # input type, "textarea", or "choice" (select, radio, box)
    options: dict[str, list[str]] = field(default_factory=dict)  # a choice's values
    buttons: list[tuple[str, str]] = field(default_factory=list)  # named submit buttons: the choice they send


class _FormReader(HTMLParser):
    """Every form of a page and the fields it would submit unchanged (no scripts run)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[_Form] = []
        self._form: _Form | None = None
        self._select: dict | None = None
        self._option: dict | None = None
        self._textarea: dict | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":  # htmx posts a form that names its address in hx-post alone
            method = a.get("method") or ("post" if "hx-post" in a else "get")
            self._form = _Form(method.lower(), a.get("action") or a.get("hx-post", ""))
            self.forms.append(self._form)
        elif self._form is None or "disabled" in a:
            if tag == "option" and self._select is not None:
                self._option = None  # a disabled option is never chosen
            return
        elif tag == "button" and a.get("name") and a.get("type", "submit") == "submit":
            self._form.buttons.append((a["name"], a.get("value", "")))
        elif tag == "input" and a.get("name"):
            kind = a.get("type", "text").lower()
            self._form.kinds[a["name"]] = "choice" if kind in ("checkbox", "radio") else kind
            if kind in ("checkbox", "radio"):
                self._form.options.setdefault(a["name"], []).append(a.get("value", "on"))
                if "checked" in a:
                    self._form.fields.append((a["name"], a.get("value", "on")))
            elif kind not in _NOT_SENT:
                self._form.fields.append((a["name"], browser_value(kind, a.get("value", ""))))
        elif tag == "select" and a.get("name"):
            self._select = {"name": a["name"], "multiple": "multiple" in a, "options": []}
        elif tag == "option" and self._select is not None:
            self._option = {"value": a.get("value"), "text": "", "selected": "selected" in a}
            self._select["options"].append(self._option)
        elif tag == "textarea" and a.get("name"):
            self._textarea = {"name": a["name"], "text": ""}
            self._form.kinds[a["name"]] = "textarea"

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea["text"] += data
        elif self._option is not None:
            self._option["text"] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "option":
            self._option = None
        elif tag == "select" and self._select is not None:
            self._end_select(self._select)
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            # The parser drops one newline right after <textarea>; a submission sends line breaks as CR LF.
            text = self._textarea["text"].removeprefix("\n").replace("\r\n", "\n").replace("\n", "\r\n")
            self._form.fields.append((self._textarea["name"], text))
            self._textarea = None

    def _end_select(self, select: dict) -> None:
        options = select["options"]
        self._form.kinds[select["name"]] = "choice"
        self._form.options[select["name"]] = [o["value"] or "" for o in options]
        chosen = [o for o in options if o["selected"]]
        if not select["multiple"]:
            chosen = chosen[-1:] or options[:1]  # the last selected one, else the first
        for option in chosen:
            value = option["value"] if option["value"] is not None else " ".join(option["text"].split())
            self._form.fields.append((select["name"], value))


def post_forms(html: str) -> list[_Form]:
    """Every form of the page that posts (htmx's too), read as by submitted_form."""
    reader = _FormReader()
    reader.feed(html)
    reader.close()
    return [f for f in reader.forms if f.method == "post"]


def submitted_form(html: str, action: str = "") -> dict[str, list[str]]:
    """What a browser posts from the page's POST form whose action is `action` ("" = the page itself), when
    the user changes nothing: the shape Django's test client takes for repeated fields."""
    matching = [f for f in post_forms(html) if f.action == action]
    if not matching:
        raise AssertionError(f"no POST form with action {action!r} on the page")
    data: dict[str, list[str]] = {}
    for name, value in matching[0].fields:
        data.setdefault(name, []).append(value)
    return data
