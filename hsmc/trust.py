"""Whose files hsmc may act on without the user naming them. A leaf module (os and stat only):
the build stamp's check imports it before anything else of hsmc.

Two rules, one per kind of file (decisions.md, "Whose files hsmc trusts"):

- the cache directory (build stamps, parse-cache entries) may be shared: a file there is used
  only when it and its directories are *private*: owned by this user, writable by nobody else;
- a manifest found by searching upwards from the current directory (no PATH given) is used only
  when it and its directory are *owned* by this user, as git finds a repository since 2.35.2
  (CVE-2022-24765); root gets the same protection, except for the files of the user who ran
  `sudo` (SUDO_UID), as git does. A PATH given on the command line is the user's choice.
"""

from __future__ import annotations

import os
import stat


def private(info: os.stat_result) -> bool:
    """Owned by this user, writable by nobody else."""
    return info.st_uid == os.geteuid() and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def _mine(uid: int) -> bool:
    """This user's, or, for root under sudo, the invoking user's (git's rule: root running
    `sudo hsmc build` in a checkout of its own user is not refused)."""
    me = os.geteuid()
    if uid == me:
        return True
    if me != 0:
        return False
    sudo_uid = os.environ.get("SUDO_UID", "")
    return sudo_uid.isascii() and sudo_uid.isdigit() and int(sudo_uid) == uid


def foreign_owner(manifest: str) -> tuple[str, int] | None:
    """None when `manifest` (a resolved path) and its directory are this user's; else the one
    that is not (the manifest, else its directory) and its owner's uid. The file is asked twice:
    a symlink and the file it points to must both be this user's. OSError when one cannot be
    asked (the caller then refuses too: nothing unknown is trusted)."""
    directory = os.path.dirname(manifest) or "/"
    for path, info in (
        (manifest, os.lstat(manifest)),
        (manifest, os.stat(manifest)),
        (directory, os.stat(directory)),
    ):
        if not _mine(info.st_uid):
            return path, info.st_uid
    return None


def owner_answer(manifest: str) -> str:
    """foreign_owner as the build stamp records it: "mine", or "PATH:UID" (observe.owner
    records this answer, stamp.py asks it again the same way)."""
    try:
        found = foreign_owner(manifest)
    except OSError:
        return "error"
    return "mine" if found is None else f"{found[0]}:{found[1]}"
