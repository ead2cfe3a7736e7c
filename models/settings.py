"""Settings declared once: a setting's name, default, bounds, kind, label and help in one
declaration, beside the model code that reads it, as simonw/llm's ``Field(ge=, le=, default=,
description=)``.

A settings class is a frozen dataclass whose fields are made with ``setting(...)``::

    @dataclass(frozen=True)
    class SamplingSettings(Settings):
        temperature: float = setting(0.7, low=0, high=2, step=0.05,
                                     label="Temperature (0 = greedy)")

and every consumer reads that one declaration:
- the one checker: ``SamplingSettings.checked(temperature="0.3")`` checks each value against
  its bounds (models/validation.py) and fills in the defaults; a bad value is one sentence;
- the tab's widget: components/widgets.py draws a slider, number box, radio or checkbox from it;
- the API: components/endpoints.py turns a handler's settings parameter into the fields, each a
  named API parameter with its declared default;
- presets are instances of the class (``SamplingSettings(temperature=0.0)``), never tuples.

The field's name is the setting's one name: the dataclass attribute, the handler's keyword, the
API parameter. Never imports gradio.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from typing import Any, ClassVar, Literal, Self

from models.errors import InvalidInputError
from models.sentences import sentence
from models.validation import bounded_number, whole_number

Kind = Literal["whole", "real", "choice", "flag", "text"]
_KEY = "playground.setting"


@dataclass(frozen=True)
class Setting:
    """One user-facing setting, as declared (``name`` is its field's name)."""

    name: str
    default: Any
    kind: Kind
    low: float | None = None
    high: float | None = None
    choices: tuple[Any, ...] = ()
    label: str = ""  # what a widget is called (the page translates it)
    help: str = ""  # one line under the widget, and the API parameter's description
    step: float | None = None  # a slider's step
    noun: str = ""  # how a refusal names it ("top-k"); the name with spaces when empty
    optional: bool = False  # None is a value too (e.g. "no early stop")
    max_chars: int | None = None  # for text
    checker: Callable[[Any], Any] | None = None  # a check of its own, in place of the kind's

    @property
    def said_name(self) -> str:
        return self.noun or self.name.replace("_", " ")

    def check(self, value: Any) -> Any:
        """``value`` (from a widget or an API caller: anything) as this setting's value, or an
        InvalidInputError naming the setting and what it takes."""
        if value is None and self.optional:
            return None
        if self.checker is not None:
            return self.checker(value)
        if self.kind == "whole":
            return whole_number(self.said_name, value, int(self.low), int(self.high))
        if self.kind == "real":
            return bounded_number(self.said_name, value, self.low, self.high)
        if self.kind == "flag":
            if isinstance(value, bool):
                return value
            raise InvalidInputError(
                sentence(
                    "{name} must be true or false, not {value}.",
                    name=self.said_name,
                    value=f"{value!r:.40}",
                )
            )
        if self.kind == "choice":
            if value in self.choices:
                return value
            raise InvalidInputError(
                sentence(
                    "Pick a {name} from: {choices}; not {value}.",
                    name=self.said_name, choices=", ".join(map(str, self.choices)),
                    value=f"{value!r:.40}",
                )
            )  # fmt: skip
        if not isinstance(value, str):
            raise InvalidInputError(
                sentence("{name} must be text, not {value}.", name=self.said_name,
                         value=f"{value!r:.40}")
            )  # fmt: skip
        if self.max_chars is not None and len(value) > self.max_chars:
            raise InvalidInputError(
                sentence(
                    "The {name} has {n} characters; the limit is {limit}. Shorten it.",
                    name=self.said_name, n=f"{len(value):,}", limit=f"{self.max_chars:,}",
                )
            )  # fmt: skip
        return value


def setting(
    default: Any,
    *,
    low: float | None = None,
    high: float | None = None,
    choices: tuple[Any, ...] | list[Any] = (),
    label: str = "",
    help: str = "",
    step: float | None = None,
    noun: str = "",
    optional: bool = False,
    max_chars: int | None = None,
    kind: Kind | None = None,
    checker: Callable[[Any], Any] | None = None,
) -> Any:
    """A dataclass field declared as a setting. The kind follows from the default and the
    arguments (a bool is a flag, ``choices`` a choice, an int a whole number, a float a real
    one, a str text) unless ``kind`` says otherwise (a whole number whose default is None)."""
    if kind is None:
        if isinstance(default, bool):
            kind = "flag"
        elif choices:
            kind = "choice"
        elif isinstance(default, int):
            kind = "whole"
        elif isinstance(default, float):
            kind = "real"
        else:
            kind = "text"
    declared = Setting("", default, kind, low, high, tuple(choices), label, help, step, noun,
                       optional, max_chars, checker)  # fmt: skip
    return field(default=default, metadata={_KEY: declared})


class Settings:
    """What every settings class can do (mix it into a frozen dataclass of ``setting`` fields).
    Fields made without ``setting`` are internal: set in code, passed through unchecked."""

    __dataclass_fields__: ClassVar[dict[str, Any]]

    @classmethod
    def declared(cls) -> dict[str, Setting]:
        """Every declared setting of the class, by name, in field order."""
        found = (f for f in fields(cls) if _KEY in f.metadata)  # type: ignore[arg-type]
        return {f.name: replace(f.metadata[_KEY], name=f.name) for f in found}

    @classmethod
    def checked(cls, **values: Any) -> Self:
        """An instance from raw values (a widget's, an API caller's): each declared setting
        checked against its declaration, a missing one at its default. Names that are not
        fields are a programming error (TypeError), not a user's."""
        known = {f.name for f in fields(cls)}  # type: ignore[arg-type]
        unknown = set(values) - known
        if unknown:
            raise TypeError(f"{cls.__name__} has no setting {', '.join(sorted(unknown))}")
        declared = cls.declared()
        checked = {name: s.check(values.get(name, s.default)) for name, s in declared.items()}
        internal = {k: v for k, v in values.items() if k not in declared}
        return cls(**checked, **internal)  # type: ignore[call-arg]

    def validated(self) -> Self:
        """This instance with every declared setting checked (for one built in code)."""
        return type(self).checked(**{f.name: getattr(self, f.name) for f in fields(self)})  # type: ignore[arg-type]

    def with_values(self, **values: Any) -> Self:
        """A copy with some settings changed (checked)."""
        return type(self).checked(**{**dataclasses.asdict(self), **values})  # type: ignore[call-overload]


def defaults(cls: type[Settings]) -> dict[str, Any]:
    """Each declared setting's default, by name."""
    return {name: s.default for name, s in cls.declared().items()}
