"""One error type for everything a job can fail on, carrying a stable dotted code and an exit status.

The CLI maps it to the final ``{"event":"error"}`` line and the process exit code in one place
(``cli.main``); the rest of the package raises it and never prints error lines itself.
"""

from __future__ import annotations

#: A job file that does not match its schema (the caller can fix it): exit status 2.
EXIT_BAD_JOB = 2
#: Anything else that stopped the job: exit status 1.
EXIT_FAILED = 1


class DistilleryError(Exception):
    """A failure with a stable ``code`` (e.g. ``job.invalid``) and a message a user can act on."""

    def __init__(self, code: str, message: str, *, exit_code: int = EXIT_FAILED) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.exit_code = exit_code
