"""Form widgets and fields shared by every app: the browser's own date and time pickers, notes that keep their
line breaks, and free text in which a typed ID number or phone is masked.

Their value must be ISO (2020-01-05, 08:30) whatever the language's input formats are: zh-hans renders
dates as 2020/01/05 first, which a date picker shows as empty, and saving the form would then erase the
stored date.
"""

from django import forms

from alleykeeper.core.logging import redact


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs: dict | None = None) -> None:
        super().__init__(attrs, format="%H:%M")


class Textarea(forms.Textarea):
    """Line breaks kept as they are stored (LF): browsers send CR LF, which would rewrite every note saved
    unchanged from a page, and make the audit log list it as changed."""

    def value_from_datadict(self, data, files, name: str):
        value = super().value_from_datadict(data, files, name)
        return value.replace("\r\n", "\n").replace("\r", "\n") if isinstance(value, str) else value


NOTE_HELP = "电话号码、证件号码会隐去中间几位后保存。"


class NoteField(forms.CharField):
    """Free text typed by people (备注, 说明, 原因): an ID number or a phone typed into it is masked when the form
    is cleaned, like every shown number (GUIDE.md section 4: clear values live only in sealed columns, revealed
    with a reason). The pages, the API's writes and the imports clean through the same forms. The field says so
    under it unless it has its own help."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("help_text", NOTE_HELP)
        super().__init__(*args, **kwargs)

    def clean(self, value):
        cleaned = super().clean(value)
        return redact(cleaned) if isinstance(cleaned, str) else cleaned


class HeaderRowField(forms.IntegerField):
    """The mapping step's "表头在第几行" of every import (register, push list, enterprises): one range and one
    wording. A row beyond the file's last is refused when the file is read again (core.tabular.HeaderRowMissing)."""

    LAST = 50

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("label", "表头在第几行")
        kwargs.setdefault("help_text", "改了行号，会按新的表头重新识别各列。")
        message = f"表头行请填 1 到 {self.LAST} 之间的行号。"
        kwargs["error_messages"] = {
            "required": "请填写表头所在的行号。",
            "invalid": "表头行请填数字，如 2。",
            "min_value": message,
            "max_value": message,
        } | kwargs.get("error_messages", {})
        super().__init__(min_value=1, max_value=self.LAST, **kwargs)
