"""Password rules beyond Django's own validators' wording."""

from django.contrib.auth import password_validation


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's, with its refusal in Chinese: Django 5.2's zh-hans catalogue has no translation of this one
    message (it reads "This password is too short…" on a Chinese page)."""

    def get_error_message(self) -> str:
        return f"密码太短：至少要 {self.min_length} 个字符。"
