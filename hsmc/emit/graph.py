"""The resolved stack as a graph: Mermaid (also embedded in STACK.md), Graphviz dot, JSON.

Nodes are packages and services; an edge `a → b` says that a needs b (an implication): a
package implies a package or needs a service, a service needs a service.
Managed services and external endpoints are drawn differently. The JSON form is documented in
docs/graph.md and versioned by its `schema` field.
"""

from __future__ import annotations

import json
import re

from hsmc.emit.requirements import requirement_rows
from hsmc.model import BuildChoice, EffectiveService, ImageChoice, Stack, TargetKind

# 2: `edges` may end at a package (an implied one); packages have `implies` (issue 24)
SCHEMA = "hsmc-graph/2"

Json = str | bool | None | list["Json"] | dict[str, "Json"]


def _mermaid_ids(stack: Stack) -> dict[tuple[str, str], str]:
    """Readable Mermaid identifiers (`pkg_neo4j_client`), made distinct where two names
    differ only in punctuation (`a-b`, `a_b`) by a numeric suffix, in sorted order."""
    nodes = [("pkg", p.entry.name) for p in stack.packages]
    nodes += [("svc", s.name) for s in stack.services]
    ids: dict[tuple[str, str], str] = {}
    taken: set[str] = set()
    for kind, name in nodes:
        base = f"{kind}_{re.sub(r'[^A-Za-z0-9]', '_', name)}"
        candidate, n = base, 1
        while candidate in taken:
            n += 1
            candidate = f"{base}_{n}"
        taken.add(candidate)
        ids[(kind, name)] = candidate
    return ids


def _mermaid_label(text: str) -> str:
    """A quoted label; `"` and every control character as Mermaid's `#code;` entities."""
    return '"' + _MERMAID_ESCAPE.sub(lambda m: f"#{ord(m.group())};", text) + '"'


_MERMAID_ESCAPE = re.compile('["#\x00-\x1f\x7f-\x9f\u2028\u2029]')


def edges(stack: Stack) -> list[tuple[str, str, str, str]]:
    """(kind of the source node, its name, kind of the target, its name): each package (by
    name) with the packages it implies (in its entry's order), then the services it needs;
    then each service with the services it needs."""
    selected = {p.entry.name for p in stack.packages}
    result = []
    for package in stack.packages:
        name = package.entry.name
        implied = [i.target for i in package.entry.implies if i.kind is TargetKind.PACKAGE]
        result += [("package", name, "package", t) for t in implied if t in selected]
        result += [("package", name, "service", d.service) for d in stack.package_needs[name]]
    result += [
        ("service", name, "service", dep.service)
        for name, needs in sorted(stack.service_needs.items())
        for dep in needs
    ]
    return result


def _short(kind: str) -> str:
    return "pkg" if kind == "package" else "svc"


def mermaid(stack: Stack) -> str:
    """Packages are stadiums, managed services rectangles, external endpoints hexagons."""
    ids = _mermaid_ids(stack)
    lines = ["graph LR"]
    for package in stack.packages:
        name = package.entry.name
        lines.append(f"  {ids[('pkg', name)]}([{_mermaid_label(name)}])")
    for service in stack.services:
        node = ids[("svc", service.name)]
        if service.managed:
            lines.append(f"  {node}[{_mermaid_label(service.name)}]:::managed")
        else:
            label = _mermaid_label(f"{service.name} (external)")
            lines.append(f"  {node}{{{{{label}}}}}:::external")
    for kind, name, target_kind, target in edges(stack):
        lines.append(f"  {ids[(_short(kind), name)]} --> {ids[(_short(target_kind), target)]}")
    lines.append("  classDef managed fill:#e6f0ff,stroke:#3366cc")
    lines.append("  classDef external fill:#fff4e0,stroke:#cc8800,stroke-dasharray:4 3")
    return "\n".join(lines)


def _dot_id(kind: str, name: str) -> str:
    return json.dumps(f"{kind}:{name}")


def dot(stack: Stack) -> str:
    lines = [f"digraph {json.dumps(stack.manifest.name)} {{", "  rankdir=LR;"]
    for package in stack.packages:
        name = package.entry.name
        attrs = f"shape=box, style=rounded, label={json.dumps(name)}"
        lines.append(f"  {_dot_id('package', name)} [{attrs}];")
    for service in stack.services:
        if service.managed:
            attrs = f"shape=box, label={json.dumps(service.name)}"
        else:
            label = json.dumps(f"{service.name} (external)")
            attrs = f"shape=hexagon, style=dashed, label={label}"
        lines.append(f"  {_dot_id('service', service.name)} [{attrs}];")
    for kind, name, target_kind, target in edges(stack):
        lines.append(f"  {_dot_id(kind, name)} -> {_dot_id(target_kind, target)};")
    lines.append("}")
    return "\n".join(lines)


def as_json(stack: Stack) -> str:
    package_rows = {p.name: p for p in requirement_rows(stack)}
    all_edges = edges(stack)
    implies: dict[str, list[Json]] = {}
    for kind, name, target_kind, target in all_edges:
        if (kind, target_kind) == ("package", "package"):
            implies.setdefault(name, []).append(target)
    document: dict[str, Json] = {
        "schema": SCHEMA,
        "project": stack.manifest.name,
        "packages": [
            {
                "name": p.entry.name,
                "listed": p.listed,
                "mode": p.mode,
                "source": package_rows[p.entry.name].source,
                "requirement": package_rows[p.entry.name].requirement,
                "implied_by": list(p.implied_by),
                "implies": implies.get(p.entry.name, []),
                "needs": [d.service for d in stack.package_needs.get(p.entry.name, ())],
            }
            for p in stack.packages
        ],
        "services": [_service(s) for s in stack.effective],
        "edges": [
            {"from": f"{kind}:{name}", "to": f"{target_kind}:{target}"}
            for kind, name, target_kind, target in all_edges
        ],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _service(service: EffectiveService) -> dict[str, Json]:
    resolved, made, found = service.resolved, service.made, service.endpoint
    endpoint: Json = None
    if found is not None:
        endpoint = {"host": found.host.value, "port": found.port.value if found.port else None}
    source = resolved.source
    return {
        "name": service.name,
        "container": resolved.container.name,
        "group": "explicit" if resolved.group else "implicit",
        "profile": resolved.profile.name if resolved.profile else None,
        "deployment": "managed" if service.managed else "external",
        "mode": source.mode if source else None,
        "image": made.image.value if isinstance(made, ImageChoice) else None,
        "build": made.source.path.value if isinstance(made, BuildChoice) else None,
        "endpoint": endpoint,
        "implied_by": list(resolved.implied_by),
        "needs": [d.service for d in service.needs],
    }
