"""Where hsmc keeps its caches (the parse cache, the build stamps). A leaf module (os and sys
only): the console entry point reads it before anything else of hsmc is imported.

Location: $HSMC_CACHE_DIR, else the platform cache directory (~/.cache/hsmc on Linux,
~/Library/Caches/hsmc on macOS, %LOCALAPPDATA%\\hsmc\\Cache on Windows).
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path


def cache_path() -> str:
    override = os.environ.get("HSMC_CACHE_DIR")
    if override:
        return override
    home = os.path.expanduser("~")
    if sys.platform == "darwin":
        return os.path.join(home, "Library", "Caches", "hsmc")
    if sys.platform == "win32":
        local = os.environ.get("LOCALAPPDATA") or os.path.join(home, "AppData", "Local")
        return os.path.join(local, "hsmc", "Cache")
    return os.path.join(os.environ.get("XDG_CACHE_HOME") or os.path.join(home, ".cache"), "hsmc")


def cache_dir() -> Path:
    from pathlib import Path

    return Path(cache_path())
