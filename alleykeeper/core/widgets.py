"""Form widgets shared by every app: the browser's own date and time pickers.

Their value must be ISO (2020-01-05, 08:30) whatever the language's input formats are: zh-hans renders
dates as 2020/01/05 first, which a date picker shows as empty, and saving the form would then erase the
stored date.
"""

from django import forms


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
