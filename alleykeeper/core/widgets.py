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
