"""The flow graph: which step's emits reach which step, as text or mermaid."""

from __future__ import annotations

import re

from ._discovery import Registry
from ._steps import StepSpec

_UNSAFE = re.compile(r"[^A-Za-z0-9_]")


def edges(registry: Registry) -> list[tuple[str, str, str | None]]:
    """`(from step, topic, to step or None)` for every emitted topic, in declaration order."""
    found: list[tuple[str, str, str | None]] = []
    for step in registry.steps:
        for topic in sorted(step.emits):
            subscribers = registry.subscribers(topic)
            if not subscribers:
                found.append((step.name, topic, None))
            found += [(step.name, topic, sub.name) for sub in subscribers]
    return found


def render_text(registry: Registry) -> str:
    lines: list[str] = []
    out = edges(registry)
    for step in registry.steps:
        lines.append(f"{step.name} ({step.kind}: {step.trigger})")
        for source, topic, target in out:
            if source == step.name:
                lines.append(f"  --{topic}--> {target or '(no subscriber)'}")
    return "\n".join(lines) + "\n"


def render_mermaid(registry: Registry) -> str:
    lines = ["flowchart LR"]
    for step in registry.steps:
        lines.append(f"    {_node(step)}")
    for source, topic, target in edges(registry):
        if target is None:
            dangling = f"topic_{_id(topic)}"
            lines.append(f'    {dangling}>"{_escape(topic)}"]')
            target_id = dangling
        else:
            target_id = _id(target)
        lines.append(f'    {_id(source)} -->|"{_escape(topic)}"| {target_id}')
    return "\n".join(lines) + "\n"


def _node(step: StepSpec) -> str:
    node_id = _id(step.name)
    if step.kind == "api":
        return f'{node_id}(["{_escape(step.name)}<br/>{_escape(step.trigger)}"])'
    if step.kind == "cron":
        return f'{node_id}{{{{"{_escape(step.name)}<br/>{_escape(step.trigger)}"}}}}'
    return f'{node_id}["{_escape(step.name)}"]'


def _id(name: str) -> str:
    return _UNSAFE.sub("_", name)


def _escape(text: str) -> str:
    return text.replace('"', "#quot;")
