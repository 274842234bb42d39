"""Every diagnostic code hsmc reports: its number, the stage that reports it, its title.

The one list of codes (after ruff's `codes.rs`): Diagnostic refuses a code that is not here,
and tests/test_docs.py checks that docs/errors.md has a `## HSMnnn — title` section for each,
with this title, in this order. The hundreds say what kind of problem it is (0 the files
themselves, 1 names and structure, 2 modes and profiles, 3 values and references, 4 paths and
the output directory, 5 run-time inputs, 6 the commands' own arguments and actions, 7 what the
kubernetes target cannot run); `stage` is the pipeline stage that finds it ("any": a file the
system refuses, wherever that happens).
"""

from __future__ import annotations

from hsmc.record import Record, setfield


class Code(Record):
    code: str
    stage: str
    title: str

    def __init__(self, code: str, stage: str, title: str) -> None:
        setfield(self, "code", code)
        setfield(self, "stage", stage)
        setfield(self, "title", title)


_ALL = (
    Code("HSM001", "parse", "invalid YAML"),
    Code("HSM002", "parse", "duplicate key"),
    Code("HSM003", "parse", "flow style"),
    Code("HSM004", "parse", "anchor, alias or tag"),
    Code("HSM005", "parse", "unknown key"),
    Code("HSM006", "parse", "missing required key"),
    Code("HSM007", "parse", "wrong type of value"),
    Code("HSM008", "parse", "empty project or entry"),
    Code("HSM009", "any", "file not found or unreadable"),
    Code("HSM013", "parse", "file too large or too deeply nested"),
    Code("HSM101", "parse", "entry name differs from its file name"),
    Code("HSM102", "validate", "invalid project or group name"),
    Code("HSM103", "validate", "unknown package"),
    Code("HSM104", "validate", "unknown container"),
    Code("HSM105", "parse", "bad implication target"),
    Code("HSM106", "validate", "package listed twice with different modes"),
    Code("HSM107", "validate", "implication cycle"),
    Code("HSM108", "validate", "implied container selected by two groups"),
    Code("HSM109", "resolve", "group name taken by another container"),
    Code("HSM110", "parse", "registry root is not a directory"),
    Code("HSM111", "validate", "a container implies a package"),
    Code("HSM112", "validate", "unknown key in `overrides:`"),
    Code("HSM113", "resolve", "two packages install one distribution"),
    Code("HSM114", "validate", "invalid environment variable name"),
    Code("HSM115", "validate", "a requirement field uv would misread"),
    Code("HSM120", "validate", "invalid environment name"),
    Code("HSM121", "validate", "environment sets a group the top level does not define"),
    Code("HSM122", "validate", "environment sets a package the top level does not list"),
    Code("HSM123", "command", "two builds write one output directory"),
    Code("HSM201", "validate", "unknown package mode"),
    Code("HSM202", "validate", "unknown profile"),
    Code("HSM203", "resolve", "no deployment profile chosen"),
    Code("HSM204", "resolve", "no image and no source"),
    Code("HSM205", "parse", "wrong source type"),
    Code("HSM206", "validate", "unknown container mode"),
    Code("HSM207", "validate", "external profile without host or port"),
    Code("HSM208", "validate", "key has no effect in this profile"),
    Code("HSM209", "resolve", "`defaults.profile` names no profile of the stack"),
    Code("HSM210", "resolve", "`defaults.mode` names no mode of the stack"),
    Code("HSM301", "interpolate", "malformed run-time reference"),
    Code("HSM302", "interpolate", "unknown compile-time reference"),
    Code("HSM303", "interpolate", "`${HSM.…}` outside `connection:`"),
    Code("HSM304", "interpolate", "param has two values"),
    Code("HSM305", "interpolate", "param has no value"),
    Code("HSM306", "interpolate", "`$NAME` without braces"),
    Code("HSM307", "interpolate", "variable gets two values"),
    Code("HSM308", "validate", "literal secret"),
    Code("HSM309", "interpolate", "unknown connection field"),
    Code("HSM310", "interpolate", "params not available here"),
    Code("HSM311", "interpolate", "value packages.env cannot express"),
    Code("HSM312", "validate", "undeclared param"),
    Code("HSM313", "validate", "param does not match its pattern"),
    Code("HSM314", "validate", "invalid param pattern"),
    Code("HSM315", "interpolate", "reference nested too deeply"),
    Code("HSM316", "validate", "main port not a port number from 1 to 65535"),
    Code("HSM320", "resolve", "a port compose cannot read"),
    Code("HSM321", "interpolate", "a command string compose cannot split"),
    Code("HSM322", "interpolate", "a duration compose cannot read"),
    Code("HSM323", "interpolate", "a volume compose cannot read"),
    Code("HSM324", "resolve", "a dependency compose cannot wait for"),
    Code("HSM325", "resolve", "an `overrides:` value of the wrong shape"),
    Code("HSM326", "validate", "a healthcheck compose cannot read"),
    Code("HSM327", "interpolate", "a resource quantity hsmc cannot write"),
    Code("HSM328", "interpolate", "a liveness probe without a test"),
    Code("HSM329", "interpolate", "`init_only_env` names a variable the container does not get"),
    Code("HSM330", "parse", "unknown watch action"),
    Code("HSM331", "parse", "watch rule key does not fit its action"),
    Code("HSM332", "parse", "`rebuild` rule outside its build context"),
    Code("HSM401", "parse", "absolute path"),
    Code("HSM402", "resolve", "directory does not exist"),
    Code("HSM403", "validate", "output directory overlaps the project or a registry"),
    Code("HSM404", "resolve", "main port not published"),
    Code("HSM405", "parse", "shipped file does not exist"),
    Code("HSM406", "parse", "two shipped files with one name"),
    Code("HSM407", "parse", "container path not absolute"),
    Code("HSM408", "resolve", "one host port published by two services"),
    Code("HSM409", "validate", "a path requirements.txt cannot hold"),
    Code("HSM410", "write", "cannot write the output directory"),
    Code("HSM411", "write", "generated file edited by hand"),
    Code("HSM412", "write", "file in the way"),
    Code("HSM413", "parse", "shipped file outside its registry root"),
    Code("HSM414", "parse", "unusable path"),
    Code("HSM415", "write", "symlink in the output directory"),
    Code("HSM416", "write", "output directory held by another build"),
    Code("HSM420", "parse", "a shipped file compose or Kustomize cannot mount"),
    Code("HSM421", "parse", "manifest of another user"),
    Code("HSM422", "write", "symlink in the registry an eject writes to"),
    Code("HSM501", "validate", "required input missing from the env file"),
    Code("HSM502", "validate", "value cannot go into a URL as it is"),
    Code("HSM503", "parse", "env file Docker Compose cannot read"),
    Code("HSM504", "parse", "env file not a regular file or past a limit"),
    Code("HSM505", "parse", "env line Kustomize reads differently from compose"),
    Code("HSM506", "parse", "env line python-dotenv reads differently from compose"),
    Code("HSM601", "command", "name not found"),
    Code("HSM602", "command", "a file to create exists already"),
    Code("HSM603", "command", "`hsmc sync` cannot install"),
    Code("HSM604", "command", "`hsmc run` cannot start the command"),
    Code("HSM610", "command", "unknown environment"),
    Code("HSM701", "validate", "unknown target"),
    Code("HSM702", "validate", "not a Kubernetes name"),
    Code("HSM703", "validate", "build source on the kubernetes target"),
    Code("HSM704", "validate", "bind mount on the kubernetes target"),
    Code("HSM705", "validate", "override without a Kubernetes counterpart"),
    Code("HSM706", "validate", "run-time reference Kubernetes does not expand"),
    Code("HSM707", "validate", "two objects of one name on the kubernetes target"),
    Code("HSM708", "validate", "a volume whose claim name is taken or invalid"),
    Code("HSM709", "validate", "a default the cluster's .env cannot carry"),
    Code("HSM710", "validate", "a variable named like a reserved `HSMC_` name"),
    Code("HSM711", "validate", "an input empty where compose gives its default"),
    Code("HSM712", "validate", "a main port the cluster's Service does not forward"),
    Code("HSM713", "validate", "a number past what a Kubernetes field holds"),
)

CODES = {c.code: c for c in _ALL}
STAGES = ("parse", "validate", "resolve", "interpolate", "emit", "write", "command", "any")
