"""What a cluster cannot run.

`check_stack` runs on the resolved Stack (which source and profile each group got is decided in
resolve, into its EffectiveService): names must be DNS-1035 labels, and nothing may read the
project's files at run time. `check_workloads` runs on the filled workloads: a run-time `${VAR}`
only works where the Kubernetes objects expand it (HSM706); the names of the objects and claims
(names.py) and the defaults of `.env.template` (defaults.py) must be ones a cluster takes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from hsmc.errors import Collector, printable
from hsmc.inputs import collect_inputs
from hsmc.keys import MODELED_OVERRIDES
from hsmc.model import (
    BuildChoice,
    BuildSource,
    EffectiveService,
    FragmentList,
    FragmentMap,
    ImageChoice,
    ImageSource,
    Literal,
    ResolvedService,
    RuntimeRef,
    Stack,
    Text,
    Value,
)
from hsmc.targets.kubernetes.defaults import check_defaults
from hsmc.targets.kubernetes.limits import check_numbers
from hsmc.targets.kubernetes.names import check_names
from hsmc.targets.kubernetes.objects import uses
from hsmc.workload import CompiledStack, Node, Workload

# DNS-1035 label. 52: a StatefulSet's pods carry the label `controller-revision-hash:
# NAME-<10 characters>`, at most 63 (a longer name creates no pod); that leaves room for the
# `-headless` Service and the `-inputs` Secret too.
_DNS_1035 = re.compile(r"[a-z]([-a-z0-9]*[a-z0-9])?")
_MAX_SERVICE_NAME = 52
# DNS-1123 label: the project is the value of the part-of label (at most 63 characters).
_DNS_1123 = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
_MAX_PROJECT_NAME = 63

_NAMED = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


def check_stack(stack: Stack, out: Collector) -> None:
    _check_project_name(stack, out)
    _check_main_ports(stack, out)
    for service in stack.effective:
        if not service.managed:
            continue  # an external group runs nothing on the cluster
        _check_name(service.resolved, out)
        if isinstance(service.made, BuildChoice):
            images = [s.mode for s in service.resolved.container.sources if not _built(s)]
            hint = (
                "push the image and give the entry a source of `type: image` for this target "
                "(choose it with the group's `mode:`)"
            )
            if images:  # the entry has one: say how to choose it
                where = stack.manifest.environment
                at = f" under environment `{where}`" if where else " in hsm.yaml"
                how = (
                    f"`mode: {images[0]}` for group `{service.name}`"
                    if service.resolved.group is not None
                    else f"`defaults: mode: {images[0]}`"  # an implied container has no group
                )
                also = "".join(f" (or `{m}`)" for m in images[1:])
                hint = f"choose the entry's image source `{images[0]}`{also}: {how}{at}"
            out.add(
                "HSM703",
                f"service `{service.name}` is built from a local directory, which a cluster "
                "cannot build",
                service.made.source.span,
                hint,
            )
        for item in _volume_items(service.resolved):
            source = item.value.split(":", 1)[0] if ":" in item.value else None
            if source is not None and not _NAMED.fullmatch(source):
                out.add(
                    "HSM704",
                    f"service `{service.name}` mounts `{printable(source)}` from this machine, "
                    "which a cluster does not have",
                    item.span,
                    "ship the file with the entry's `files:` (mounted from a ConfigMap), or use "
                    "a named volume",
                )
        _check_override_keys(service, out)


def _check_project_name(stack: Stack, out: Collector) -> None:
    name = stack.manifest.name
    if len(name) <= _MAX_PROJECT_NAME and _DNS_1123.fullmatch(name):
        return
    environment = stack.manifest.environment
    rule = "lower-case letters, digits and `-`, starting and ending with a letter or digit"
    hint = (
        f"give hsm.yaml a `name:` of {rule}, at most {_MAX_PROJECT_NAME} characters (it is the "
        "value of the `app.kubernetes.io/part-of` label)"
    )
    if environment is not None:  # the name of the environment's stack: NAME-ENVIRONMENT
        left = _MAX_PROJECT_NAME - len(environment) - 1
        hint = (
            f"in environment `{environment}` the project is `NAME-{environment}` (the value of "
            f"the `app.kubernetes.io/part-of` label, at most {_MAX_PROJECT_NAME} characters): "
            f"give hsm.yaml a `name:` of {rule}, at most {left} characters, or the environment "
            "a shorter name"
        )
    out.add(
        "HSM702",
        f"project name `{printable(name)}` is not a Kubernetes name",
        stack.manifest.name_span or stack.manifest.span,
        hint,
    )


def _built(source: ImageSource | BuildSource) -> bool:
    return isinstance(source, BuildSource)  # ImageSource otherwise


def _check_main_ports(stack: Stack, out: Collector) -> None:
    """A dependent reaches a service at its Service name and main port, and a Service forwards
    only the container ports of `ports:` (objects.py): an entry's `port:` outside them connects
    nowhere on a cluster, where compose's network reaches every port (HSM712)."""
    needs = [*stack.package_needs.items(), *stack.service_needs.items()]
    dependent = {d.service: name for name, found in reversed(needs) for d in found}
    for service in stack.effective:
        container = service.resolved.container
        if not service.managed or container.port is None or service.name not in dependent:
            continue
        bindings = [b for i in service.ports for b in i.bindings]
        forwarded = [b.container.value for b in bindings]
        # no `ports:`: the Service forwards the main port (objects._ports); a reference is
        # HSM706's. `port:` says no protocol: forwarded as UDP or SCTP it is taken as meant
        # (a statsd entry, `port: 8125` and `"8125:8125/udp"`), as compose's host reaches it.
        if not forwarded or str(container.port) in forwarded or any("${" in p for p in forwarded):
            continue
        name, port = service.name, container.port
        shown = dict.fromkeys(
            b.container.value + ("" if b.protocol == "tcp" else f"/{b.protocol}") for b in bindings
        )
        out.add(
            "HSM712",
            f"`{dependent[name]}` would reach `{name}` at port {port}, but the cluster's Service "
            f"`{name}` forwards only {', '.join(shown)}",
            container.port_span or container.span,
            f"add a `ports:` item for container port {port} (a Service forwards the container "
            "ports of `ports:`), or make `port:` one of them",
        )


def _check_name(service: ResolvedService, out: Collector) -> None:
    name = service.name
    if len(name) <= _MAX_SERVICE_NAME and _DNS_1035.fullmatch(name):
        return
    where = f"group `{name}`" if service.group else f"implied container `{name}`"
    span = service.group.span if service.group else service.container.span
    out.add(
        "HSM702",
        f"{where} is not a Kubernetes name (DNS-1035 label)",
        span,
        f"rename the group: lower-case letters, digits and `-`, starting with a letter and "
        f"ending with a letter or digit, at most {_MAX_SERVICE_NAME} characters (a group with "
        "`selection:` renames an implied container)",
    )


def _volume_items(service: ResolvedService) -> list[Text]:
    """The `volumes:` items as their authors wrote them (a profile's replace the entry's; a
    group's overrides replace both). Not EffectiveService.volumes: those are rebased onto the
    output directory, and the message quotes the path the author wrote."""
    profile = service.profile
    replaced = profile is not None and profile.volumes is not None
    items = list(profile.volumes or ()) if replaced and profile else list(service.container.volumes)
    overrides = service.group.overrides if service.group else None
    for key, fragment in overrides.items if overrides else ():
        if key == "volumes" and isinstance(fragment, FragmentList):
            items = [i for i in fragment.items if isinstance(i, Text)]
            items += [_long_bind(i) for i in fragment.items if isinstance(i, FragmentMap)]
    return [i for i in items if i.value]


def _long_bind(item: FragmentMap) -> Text:
    """A long-syntax mount as `SOURCE:` when it binds a path, else an empty Text."""
    fields = {k: v for k, v in item.items if isinstance(v, Text)}
    kind, source = fields.get("type"), fields.get("source")
    if kind is not None and kind.value == "bind" and source is not None:
        return Text(f"{source.value}:", source.span)
    return Text("", item.span)


def _check_override_keys(service: EffectiveService, out: Collector) -> None:
    """The keys of a group's `overrides:` that no typed field models are compose's own."""
    group = service.resolved.group
    overrides = group.overrides if group is not None else None
    extra = {key for key, _ in service.extras}
    for (key, _), span in (
        zip(overrides.items, overrides.key_spans, strict=True) if overrides else ()
    ):
        if key in extra and not key.startswith("x-"):
            out.add(
                "HSM705",
                f"`overrides:` key `{printable(key)}` has no counterpart on the kubernetes target",
                span,
                "keys mapped for this target: "
                + ", ".join(f"`{k}`" for k in sorted(MODELED_OVERRIDES))
                + "; change the generated objects with a Kustomize patch instead",
            )


def check_workloads(compiled: CompiledStack, out: Collector) -> None:
    """What the filled workloads ask of a cluster: references where it expands none (HSM706),
    names it would merge or refuse (names.py: HSM707, HSM708, HSM710), defaults its .env cannot
    carry (defaults.py: HSM709), numbers its objects cannot hold (limits.py: HSM713)."""
    for workload in compiled.workloads:
        for where, refs in _unexpanded(workload):
            _refuse_refs(workload, refs, where, out)
    check_names(compiled, out)
    check_numbers(compiled, out)
    used = uses(compiled)
    required = {i.name for i in collect_inputs(used) if i.required}
    check_defaults(used, required, out)


def _unexpanded(workload: Workload) -> Iterator[tuple[str, tuple[RuntimeRef, ...]]]:
    """Kubernetes expands `$(VAR)` in env values, command and args only. A run-time `${VAR}`
    in the image, a container port, a volume (its mount path included) or a probe's timing
    would reach the cluster as it is written (compose fills it from .env); an exec probe passes
    it on unexpanded (compose fills it)."""
    if workload.image is not None:
        yield "`image:`", workload.image.refs
    for port in workload.ports:
        if any(binding.container is None for binding in port.bindings):
            yield "a container port", _written_refs(port.written)
    for volume in workload.volumes:
        yield "a volume", node_refs(volume.written)
    for check in (workload.healthcheck, workload.liveness):
        if check is None or not check.probes or not check.test:
            continue
        if check.test[0].plain() == "CMD":
            yield "an exec probe", tuple(r for word in check.test[1:] for r in word.refs)
        for duration in (check.interval, check.timeout, check.start_period):
            if duration is not None and duration.seconds is None:
                yield "a probe's timing", duration.written.refs


def node_refs(node: Node) -> tuple[RuntimeRef, ...]:
    if isinstance(node, Value):
        return node.refs
    if isinstance(node, dict):
        return tuple(r for child in node.values() for r in node_refs(child))
    if isinstance(node, list):
        return tuple(r for child in node for r in node_refs(child))
    return ()


def _written_refs(node: Node) -> tuple[RuntimeRef, ...]:
    """The references of a port whose container side is one: a long-syntax `target`, or the
    part after the last `:` of a short item outside a reference."""
    if isinstance(node, dict):
        target = node.get("target")
        return target.refs if isinstance(target, Value) else ()
    if not isinstance(node, Value):
        return ()
    found: list[RuntimeRef] = []
    for piece in reversed(node.pieces):
        if isinstance(piece, Literal):
            if ":" in piece.text:
                break
        else:
            found.append(piece)
    return tuple(r for ref in reversed(found) for r in Value((ref,)).refs)


def _refuse_refs(
    workload: Workload, refs: tuple[RuntimeRef, ...], where: str, out: Collector
) -> None:
    made = workload.effective.made
    fallback = (
        made.image.span
        if isinstance(made, ImageChoice)
        else workload.effective.resolved.container.span
    )
    for ref in refs[:1]:  # one diagnostic per value: the first reference shows the problem
        out.add(
            "HSM706",
            f"service `{workload.name}` reads run-time input `{printable(ref.name)}` in {where}, "
            "which Kubernetes does not expand",
            ref.span or fallback,
            _HINTS[where],
        )


_HINTS = {
    "`image:`": "write the image literally (a compile-time `${HSM_PARAMS.…}` works), or set it "
    "with a Kustomize `images:` entry in an overlay",
    "a container port": "write the container port as a number; the host port may stay a "
    "reference (nothing is published on a cluster)",
    "an exec probe": "make the healthcheck `CMD-SHELL`: the probe's shell expands the "
    "reference from the container's environment",
    "a volume": "write the volume's name and path literally (compose fills a reference from "
    ".env; a cluster would mount a path named `${…}`)",
    "a probe's timing": "write the duration literally (`10s`): a probe's fields are numbers",
}
