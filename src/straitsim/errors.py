"""Errors that reach users as one clear line (and exit status 2 on the command line)."""

from __future__ import annotations


class UserError(Exception):
    """A problem with the user's input: a scenario file, a flag, a grid, an address.

    The message is one line naming the file, the key path, what was expected and what
    was found. Interfaces print it without a traceback.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        key: str | None = None,
        expected: str | None = None,
        found: str | None = None,
    ) -> None:
        self.file = file
        self.key = key
        self.expected = expected
        self.found = found
        self.detail = message
        super().__init__(self.render())

    def render(self) -> str:
        """Return the single-line message."""
        parts = []
        if self.file:
            parts.append(str(self.file))
        if self.key:
            parts.append(f"key '{self.key}'")
        head = ": ".join([", ".join(parts), self.detail]) if parts else self.detail
        tail = []
        if self.expected is not None:
            tail.append(f"expected {self.expected}")
        if self.found is not None:
            tail.append(f"found {self.found}")
        if tail:
            head += " (" + "; ".join(tail) + ")"
        return " ".join(head.split())

    def __reduce__(self) -> tuple[object, ...]:
        """Pickle with every field, so an error raised in a worker process arrives whole."""
        fields = (self.detail, self.file, self.key, self.expected, self.found)
        return (_rebuild, (type(self), *fields))


def _rebuild(
    cls: type[UserError],
    detail: str,
    file: str | None,
    key: str | None,
    expected: str | None,
    found: str | None,
) -> UserError:
    return cls(detail, file=file, key=key, expected=expected, found=found)


class DomainError(UserError):
    """A number outside its domain: NaN, infinite, out of range or of the wrong type.

    The same one-line message as any :class:`UserError` (exit status 2 on the command line);
    the web API answers it with 422, like a value its schema rejects.
    """
