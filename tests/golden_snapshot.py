"""A syrupy extension that keeps each golden artifact as a plain file.

The test `test_artifact[case-artifact]` with params `case` and `artifact` compares against
`golden/<case>/expected/<artifact>`; `pytest --snapshot-update` rewrites (and, for artifacts
no longer produced, deletes) those files. Bytes, not text: line ends are part of the contract.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import Any

from syrupy.extensions.single_file import SingleFileSnapshotExtension, WriteMode
from syrupy.location import PyTestLocation

GOLDEN = Path(__file__).resolve().parent.parent / "golden"
_NOWHERE = GOLDEN / ".no-golden-case"


def _params(test_location: PyTestLocation) -> dict[str, Any]:
    callspec = getattr(test_location.item, "callspec", None)
    return dict(callspec.params) if callspec is not None else {}


def _artifact(test_location: PyTestLocation) -> tuple[Path, PurePosixPath] | None:
    params = _params(test_location)
    if "case" not in params or "artifact" not in params:
        return None
    return GOLDEN / params["case"] / "expected", PurePosixPath(params["artifact"])


class GoldenFile(SingleFileSnapshotExtension):
    _write_mode = WriteMode.BINARY
    file_extension = ""

    @classmethod
    def dirname(cls, *, test_location: PyTestLocation) -> str:
        found = _artifact(test_location)
        if found is None:
            return str(_NOWHERE)
        expected, artifact = found
        return str(expected.joinpath(*artifact.parent.parts))

    @classmethod
    def discovery_dirname(cls, *, test_location: PyTestLocation) -> str:
        found = _artifact(test_location)
        return str(found[0]) if found else str(_NOWHERE)

    @classmethod
    def get_snapshot_name(cls, *, test_location: PyTestLocation, index: Any = 0) -> str:
        found = _artifact(test_location)
        return found[1].name if found else "unused"

    @classmethod
    def get_file_basename(cls, *, test_location: PyTestLocation, index: Any) -> str:
        return cls.get_snapshot_name(test_location=test_location, index=index)

    @classmethod
    def matches_test_location(
        cls, *, test_location: PyTestLocation, snapshot_location: str
    ) -> bool:
        return Path(snapshot_location) == Path(
            cls.get_location(test_location=test_location, index=0)
        )

    def owns_snapshot_collection(self, *, filepath: str, test_location: PyTestLocation) -> bool:
        found = _artifact(test_location)
        return found is not None and Path(filepath).is_relative_to(found[0])
