"""The one error of the reopening app's actions."""


class ReopeningError(Exception):
    """A step that cannot be taken now; the message says why and what to do, in Chinese."""
