"""Located trees (already schema-checked, see load.py) → the frozen, located input model."""

from __future__ import annotations

import os
import re
from pathlib import Path

from hsmc import observe
from hsmc.errors import Collector, printable
from hsmc.keys import SOURCE_KEYS
from hsmc.model import (
    BuildSource,
    ContainerEntry,
    ContainerSource,
    DeployMode,
    Fragment,
    FragmentList,
    FragmentMap,
    GitSource,
    Group,
    ImageSource,
    LocalSource,
    Manifest,
    PackageEntry,
    PackageRef,
    PackageSource,
    ParamSpec,
    Profile,
    PypiSource,
    ShippedFile,
    Span,
    Text,
)
from hsmc.parse import paths
from hsmc.parse.environments import environments
from hsmc.parse.reader import Reader
from hsmc.parse.source import SourceFile, is_dir
from hsmc.parse.tree import Node
from hsmc.parse.watch import watch_rules

# --- manifest ------------------------------------------------------------------------------


def manifest_from_node(
    node: Node,
    src: SourceFile,
    extra_registries: tuple[Path, ...],
    output_override: Path | None,
    builtin_root: Path,
    out: Collector,
) -> Manifest:
    r = Reader(src, out)
    directory = src.path.parent
    name = _project_name(node, directory, r)
    output, output_span = output_override, None
    # resolved like `output:` and -o: a `generated` that is a symlink to the project or a
    # registry is refused (HSM403), and the write stage never follows it somewhere else later
    default = observe.resolve(directory / "generated")
    if output is None:
        out_text = r.opt_text(node, "output")
        output = r.relative_path(out_text, directory) if out_text else default
        output_span = out_text.span if out_text else src.span(1)
    defaults = node.get("defaults")
    return Manifest(
        file=src.shown,
        directory=directory,
        name=name,
        output=output or default,
        output_span=output_span,
        registry=extra_registries + _registry_roots(node, directory, r) + (builtin_root,),
        default_profile=r.opt_text(defaults, "profile") if defaults is not None else None,
        default_mode=r.opt_text(defaults, "mode") if defaults is not None else None,
        packages=_package_refs(node, r),
        groups=_groups(node, r),
        span=src.span(1),
        name_span=r.text(node["name"]).span if "name" in node else None,
        targets=r.texts(node, "targets"),
        environments=environments(node, directory, r),
        environments_span=r.key_of(node, "environments") if "environments" in node else None,
    )


def _project_name(node: Node, directory: Path, r: Reader) -> str:
    if "name" not in node:
        normalised = re.sub(r"[^a-z0-9_-]+", "-", directory.name.lower()).strip("-_")
        return normalised or "hsm-stack"
    return r.text(node["name"]).value  # validate checks it (HSM102)


def _registry_roots(node: Node, directory: Path, r: Reader) -> tuple[Path, ...]:
    if "registry" not in node:
        default = directory / "registry"
        return (default,) if is_dir(default) else ()
    roots = []
    for text in r.texts(node, "registry"):
        path = r.relative_path(text, directory)
        if path is None:
            continue
        try:
            is_directory = observe.is_dir(path)
        except OSError as exc:
            message = f"cannot read registry root `{text.value}`: {exc.strerror or exc}"
            r.out.add("HSM009", message, text.span, "make it readable")
            continue
        if not is_directory:
            r.out.add("HSM110", f"registry root `{text.value}` is not a directory", text.span)
            continue
        roots.append(path)
    return tuple(roots)


def _package_refs(node: Node, r: Reader) -> tuple[PackageRef, ...]:
    if "packages" not in node or not node["packages"].is_sequence():
        return ()
    refs = []
    for item in node["packages"]:
        if item.is_mapping():
            ((key, mode),) = item.items()
            name, span, mode_text = r.key(key), r.key_span(key), r.text(mode)
        else:
            name, span, mode_text = str(item.value), r.text(item).span, None
        refs.append(PackageRef(name, mode_text, span))
    return tuple(refs)


def _groups(node: Node, r: Reader) -> tuple[Group, ...]:
    services = node.get("services")
    if services is None or "container_groups" not in services:
        return ()
    groups = services["container_groups"]
    if not groups.is_mapping():
        return ()
    result = []
    for key, value in groups.items():
        name = r.key(key)  # validate checks it (HSM102)
        overrides = None
        if "overrides" in value and value["overrides"].is_mapping():
            overrides = _fragment_map(value["overrides"], r)
        result.append(
            Group(
                name=name,
                span=r.key_span(key),
                selection=r.text(value["selection"]),
                profile=r.opt_text(value, "profile"),
                mode=r.opt_text(value, "mode"),
                params=r.settings(value, "params"),
                overrides=overrides,
            )
        )
    return tuple(result)


def _fragment(node: Node, r: Reader) -> Fragment:
    if node.is_mapping():
        return _fragment_map(node, r)
    if node.is_sequence():
        items = tuple(_fragment(i, r) for i in node)
        return FragmentList(items, r.src.line_span(node.key_line))
    return r.text(node)


def _fragment_map(node: Node, r: Reader) -> FragmentMap:
    pairs = list(node.items())
    items = tuple((r.key(k), _fragment(v, r)) for k, v in pairs)
    keys = tuple(r.key_span(k) for k, _ in pairs)
    return FragmentMap(items, r.src.line_span(node.key_line), keys)


# --- registry entries ----------------------------------------------------------------------


def package_from_node(node: Node, src: SourceFile, out: Collector) -> PackageEntry:
    r = Reader(src, out)
    name = str(node["name"].value)
    base = src.path.parent
    sources = [s for s in _sources(node, r, base, ("local", "pypi", "git")) if s is not None]
    return PackageEntry(
        name=name,
        file=src.shown,
        span=r.text(node["name"]).span,
        description=r.opt_str(node, "description"),
        distribution=r.opt_str(node, "distribution") or name,
        version=r.opt_text(node, "version"),
        default_source=r.opt_text(node, "default_source"),
        sources=tuple(s for s in sources if isinstance(s, LocalSource | PypiSource | GitSource)),
        env=r.settings(node, "env"),
        implies=r.implies(node),
        modes=_modes(node),
        distribution_span=r.text(node["distribution"]).span if "distribution" in node else None,
    )


def container_from_node(node: Node, src: SourceFile, out: Collector) -> ContainerEntry:
    r = Reader(src, out)
    base = src.path.parent
    sources = [s for s in _sources(node, r, base, ("image", "build")) if s is not None]
    profiles: tuple[Profile, ...] = ()
    if "deployment_profiles" in node:
        profiles = tuple(_profile(k, v, r) for k, v in node["deployment_profiles"].items())
    return ContainerEntry(
        name=str(node["name"].value),
        file=src.shown,
        span=r.text(node["name"]).span,
        description=r.opt_str(node, "description"),
        image=r.opt_text(node, "image"),
        port=node["port"].integer() if "port" in node else None,
        port_span=r.src.node_span(node["port"]) if "port" in node else None,
        ports=r.texts(node, "ports"),
        env=r.settings(node, "env"),
        volumes=r.texts(node, "volumes"),
        command=r.command(node),
        healthcheck=r.healthcheck(node),
        liveness=r.healthcheck(node, "liveness"),
        resources=r.resources(node),
        init_only_env=r.texts(node, "init_only_env"),
        files=_files(node, r, base),
        connection=r.settings(node, "connection") if "connection" in node else None,
        implies=r.implies(node),
        default_source=r.opt_text(node, "default_source"),
        sources=tuple(s for s in sources if isinstance(s, ImageSource | BuildSource)),
        default_profile=r.opt_text(node, "default_profile"),
        profiles=profiles,
        params=_param_specs(node, r),
        modes=_modes(node),
        directory=base,
    )


def _modes(node: Node) -> tuple[str, ...]:
    return tuple(str(k.value) for k, _ in node["sources"].items()) if "sources" in node else ()


def _param_specs(node: Node, r: Reader) -> tuple[ParamSpec, ...]:
    if "params" not in node or not node["params"].is_mapping():
        return ()
    specs = []
    for key, value in node["params"].items():
        pattern = r.opt_text(value, "pattern") if value.is_mapping() else None  # HSM314: validate
        description = r.opt_str(value, "description") if value.is_mapping() else None
        specs.append(ParamSpec(r.key(key), r.key_span(key), pattern, description))
    return tuple(specs)


def _sources(
    node: Node, r: Reader, base: Path, allowed: tuple[str, ...]
) -> list[PackageSource | ContainerSource | None]:
    if "sources" not in node:
        return []
    return [_source(k, v, r, base, allowed) for k, v in node["sources"].items()]


def _source(
    key: Node, node: Node, r: Reader, base: Path, allowed: tuple[str, ...]
) -> PackageSource | ContainerSource | None:
    mode, span = r.key(key), r.key_span(key)
    kind = node["type"].text() if "type" in node else None
    if kind not in allowed:
        where = "a package" if "pypi" in allowed else "a container"
        found = f"type `{kind}`" if kind else "no `type`"
        hint = "allowed here: " + ", ".join(f"`{a}`" for a in allowed)
        if kind is not None and kind not in SOURCE_KEYS:
            hint = "source types: " + ", ".join(f"`{t}`" for t in SOURCE_KEYS) + "; " + hint
        r.out.add("HSM205", f"source `{mode}` of {where} has {found}", span, hint)
        return None
    if not _source_keys_fit(kind, mode, span, node, r):
        return None
    if kind == "pypi":
        return PypiSource(mode, span, r.opt_text(node, "version"))
    if kind == "git":
        url = r.text(node["url"])
        return GitSource(mode, span, url, r.opt_text(node, "ref"), r.opt_text(node, "subdirectory"))
    if kind == "image":
        return ImageSource(mode, span, r.text(node["image"]))
    path = r.text(node["path"])
    directory = r.relative_path(path, base)
    if directory is None:
        return None
    if kind == "local":
        editable = bool(node["editable"].value) if "editable" in node else False
        return LocalSource(mode, span, path, directory, editable)
    dockerfile = r.opt_text(node, "dockerfile")
    if dockerfile is not None and r.relative_path(dockerfile, base) is None:
        return None  # HSM401: the dockerfile is relative to the build context
    args = r.settings(node, "args")
    watch = watch_rules(node, r, base, directory, dockerfile)
    return BuildSource(mode, span, path, directory, dockerfile, args, watch)


def _source_keys_fit(kind: str, mode: str, span: Span, node: Node, r: Reader) -> bool:
    """Each source type takes its own keys (SOURCE_KEYS): report strays and missing ones."""
    required, optional = SOURCE_KEYS[kind]
    fits = True
    for key, _ in node.items():
        name = key.text()
        if name != "type" and name not in required + optional:
            takes = ", ".join(f"`{k}`" for k in ("type", *required, *optional))
            message = f"a `{kind}` source has no key `{name}`"
            r.out.add("HSM005", message, r.key_span(key), f"a `{kind}` source takes {takes}")
            fits = False
    for name in required:
        if name not in node:
            r.out.add(
                "HSM006",
                f"source `{mode}` of type `{kind}` needs `{name}`",
                span,
                f"add `{name}:` to the source",
            )
            fits = False
    return fits


def _profile(key: Node, node: Node, r: Reader) -> Profile:
    name, span = r.key(key), r.key_span(key)
    mode = DeployMode(str(node["mode"].value))
    external = r.settings(node, "external")
    for setting in external:
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", setting.key):
            r.out.add(
                "HSM005",
                f"external field `{setting.key}` cannot be referenced as ${{HSM.{setting.key}}}",
                setting.key_span,
                "name external fields with letters, digits and `_` (e.g. `api_key`)",
            )
    return Profile(
        name=name,
        mode=mode,
        span=span,
        image=r.opt_text(node, "image"),
        ports=r.texts(node, "ports") if "ports" in node else None,
        env=r.settings(node, "env"),
        volumes=r.texts(node, "volumes") if "volumes" in node else None,
        command=r.command(node),
        healthcheck=r.healthcheck(node),
        external=external,
        resources=r.resources(node),
        liveness=r.healthcheck(node, "liveness"),
        key_spans=tuple((r.key(k), r.key_span(k)) for k, _ in node.items()),
    )


def _files(node: Node, r: Reader, base: Path) -> tuple[ShippedFile, ...]:
    if "files" not in node or not node["files"].is_mapping():
        return ()
    root = observe.resolve(base.parent)  # an entry is ROOT/containers/NAME.yaml (parse.find)
    result: list[ShippedFile] = []
    for key, value in node["files"].items():
        target, text = r.key(key), r.text(value)
        span = r.key_span(key)
        if not target.startswith("/"):
            r.out.add("HSM407", f"container path `{target}` is not absolute", span)
            continue
        path = r.relative_path(text, base)
        if path is None or not _inside_root(path, text, base, root, r):
            continue
        shipped = _shipped_file(path, text, r)
        if shipped is None:
            continue
        if not _mountable(target, span, path.name, text.span, r):
            continue
        if any(f.name == path.name for f in result):
            r.out.add(
                "HSM406",
                f"two shipped files are named `{path.name}`",
                text.span,
                "files/SERVICE/ holds them side by side: rename one",
            )
            continue
        result.append(ShippedFile(target, span, path.name, *shipped))
    return tuple(result)


def _mountable(target: str, target_span: Span, name: str, name_span: Span, r: Reader) -> bool:
    """A shipped file is mounted as `./files/SERVICE/NAME:TARGET:ro`, compose's short syntax,
    which splits at every `:`: a `:` in either part would mount another path; Kustomize's
    configMapGenerator reads `KEY=PATH` and refuses a `=` in a path (HSM420)."""
    for what, value, span in (
        ("container path", target, target_span),
        ("file name", name, name_span),
    ):
        if ":" in value:
            r.out.add(
                "HSM420",
                f"shipped {what} `{printable(value)}` holds a `:`",
                span,
                "compose splits a mount at `:` and would mount another path: rename it",
            )
            return False
    if "=" in name:
        r.out.add(
            "HSM420",
            f"shipped file name `{printable(name)}` holds a `=`",
            name_span,
            "Kustomize reads a generator's file as `KEY=PATH` and refuses a `=` in either: "
            "rename it",
        )
        return False
    return True


def _inside_root(path: Path, text: Text, base: Path, root: Path, r: Reader) -> bool:
    """A shipped file is copied into artifacts meant to be committed: it must resolve inside its
    registry root, so that neither `..` nor a symlink can copy /etc/shadow into them."""
    if path.is_relative_to(root):
        return True
    lexical = Path(os.path.normpath(base / text.value))
    where = f"the registry root `{root.name}`"
    how = f"leads out of {where} through a symlink" if lexical.is_relative_to(root) else None
    r.out.add(
        "HSM413",
        f"shipped file `{paths.shown(text.value)}` {how or f'is outside {where}'}",
        text.span,
        "a shipped file is copied into the artifacts: keep it inside the registry root, as a "
        "regular file or a symlink to one there",
    )
    return False


_SHIPPED_HINT = (
    "a `files:` source is relative to the folder of the entry's file; to customise a built-in "
    "entry, `hsmc registry eject NAME` copies it with the files it ships"
)


def _shipped_file(path: Path, text: Text, r: Reader) -> tuple[bytes, bool] | None:
    """(content, executable), or None when it cannot be read (reported)."""
    try:
        if not observe.is_file(path):
            r.out.add(
                "HSM405", f"shipped file `{text.value}` does not exist", text.span, _SHIPPED_HINT
            )
            return None
        return observe.read_bytes(path), observe.executable(path, path.stat().st_mode)
    except OSError as exc:
        message = f"cannot read shipped file `{text.value}`: {exc.strerror or exc}"
        r.out.add("HSM009", message, text.span, "make it readable")
        return None
