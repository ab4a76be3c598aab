"""Find step modules, import them, and validate the flow graph they declare."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import re
import sys
import traceback
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from functools import cached_property
from pathlib import Path
from types import ModuleType
from typing import Any

from pydantic import BaseModel

from ._config import Settings, settings_in_effect
from ._errors import DiscoveryError, Problem, StepDeclarationError, UnknownStepError
from ._events import Subscription
from ._steps import StepSpec, collecting, step_of

STEP_FILE_GLOB = "*_step.py"
_PARAM = re.compile(r"\{[^}/]*\}")  # with or without a convertor: {id}, {id:path}


class Registry:
    """The steps of a project, indexed the ways the runtime needs them."""

    def __init__(self, steps: Iterable[StepSpec]) -> None:
        self.steps: tuple[StepSpec, ...] = tuple(steps)
        self.by_name: dict[str, StepSpec] = {step.name: step for step in self.steps}

    @cached_property
    def api_steps(self) -> list[StepSpec]:
        return [step for step in self.steps if step.kind == "api"]

    @cached_property
    def event_steps(self) -> list[StepSpec]:
        return [step for step in self.steps if step.kind == "event"]

    @cached_property
    def cron_steps(self) -> list[StepSpec]:
        return [step for step in self.steps if step.kind == "cron"]

    @cached_property
    def subscriptions(self) -> list[Subscription]:
        return [Subscription(t, step.name) for step in self.event_steps for t in step.subscribes]

    def subscribers(self, topic: str) -> list[StepSpec]:
        return [step for step in self.event_steps if topic in step.subscribes]

    def step(self, name: str, kind: str | None = None) -> StepSpec:
        """The step called `name` (of `kind`, if given); `UnknownStepError` naming the
        steps there are otherwise."""
        step = self.by_name.get(name)
        if step is not None and (kind is None or step.kind == kind):
            return step
        names = sorted(s.name for s in self.steps if kind is None or s.kind == kind)
        what = f"{kind} step" if kind else "step"
        raise UnknownStepError(
            f"no {what} named {name!r}; the project has: {', '.join(names) or 'none'}"
        )

    @cached_property
    def topics(self) -> list[str]:
        found: dict[str, None] = {}
        for step in self.steps:
            found.update(dict.fromkeys(sorted(step.emits)))
            found.update(dict.fromkeys(step.subscribes))
        return list(found)


def discover(
    steps_dir: Path | str, settings: Settings | None = None
) -> tuple[Registry, list[Problem]]:
    """Import every `*_step.py` under `steps_dir` and validate the graph; `settings` are
    what `current_settings()` gives the step modules while they are imported.

    Raises `DiscoveryError` listing every import failure or validation error at once;
    returns the registry and the warnings otherwise."""
    steps, shadowed = _load(steps_dir, settings)
    registry, warnings = build_registry(steps)
    return registry, shadowed + warnings


def build_registry(
    items: Iterable[StepSpec | Callable[..., Any]],
) -> tuple[Registry, list[Problem]]:
    """A validated registry from step specs or decorated functions."""
    steps: list[StepSpec] = []
    for item in items:
        spec = item if isinstance(item, StepSpec) else step_of(item)
        if spec is None:
            raise DiscoveryError([Problem("error", f"{item!r} is not a decorated step")])
        steps.append(spec)
    problems = validate(steps)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise DiscoveryError(errors)
    return Registry(steps), [p for p in problems if p.severity == "warning"]


def load_steps(steps_dir: Path | str, settings: Settings | None = None) -> list[StepSpec]:
    """Import the step modules under `steps_dir`; the steps they declare, in file order."""
    return _load(steps_dir, settings)[0]


def _load(steps_dir: Path | str, settings: Settings | None) -> tuple[list[StepSpec], list[Problem]]:
    root = Path(steps_dir).resolve()
    if not root.is_dir():
        raise DiscoveryError([Problem("error", f"steps directory {root} does not exist")])
    project = str(root.parent)
    if project not in sys.path:
        sys.path.insert(0, project)
    package = "_stepflow_steps_" + hashlib.sha1(str(root).encode()).hexdigest()[:10]
    steps: list[StepSpec] = []
    warnings: list[Problem] = []
    failures: list[Problem] = []
    for path in sorted(root.rglob(STEP_FILE_GLOB)):
        if any(part.startswith((".", "__")) for part in path.relative_to(root).parts[:-1]):
            continue
        dotted = ".".join(path.relative_to(root).with_suffix("").parts)
        try:
            with settings_in_effect(settings or Settings()), collecting() as declared:
                module = _import(f"{package}.{dotted}", path)
        except Exception as exc:
            failures.append(_import_failure(exc, path, Path(project)))
            continue
        found = [spec for spec in declared if spec.handler.__module__ == module.__name__]
        warnings.extend(_shadowed(module, found))
        steps.extend(found)
    if failures:
        raise DiscoveryError(failures)
    return steps, warnings


def _shadowed(module: ModuleType, steps: list[StepSpec]) -> list[Problem]:
    """A warning for each step whose handler's name a later definition rebinds: the step
    still runs, but the module no longer holds its handler under that name."""
    problems = []
    for spec in steps:
        bound = getattr(module, spec.handler.__name__, None)
        if bound is not spec.handler:
            problems.append(
                Problem(
                    "warning",
                    f"handler {spec.handler.__name__!r} is defined again later in the module; "
                    "both steps are registered, but rename one of the functions",
                    spec.name,
                    spec.file,
                    spec.line,
                )
            )
    return problems


def validate(steps: Sequence[StepSpec]) -> list[Problem]:
    """Every problem with the graph: errors first, then warnings."""
    problems: list[Problem] = []
    by_name: dict[str, list[StepSpec]] = defaultdict(list)
    routes: dict[tuple[str, str], list[StepSpec]] = defaultdict(list)
    emitted: set[str] = set()
    for step in steps:
        by_name[step.name].append(step)
        emitted |= step.emits
        if step.kind == "api":
            routes[(step.method, _PARAM.sub("{}", step.path.rstrip("/") or "/"))].append(step)
    for name, same in by_name.items():
        if len(same) > 1:
            places = ", ".join(f"{s.file}:{s.line}" for s in same)
            problems.append(
                Problem(
                    "error",
                    f"duplicate step name (declared at {places})",
                    name,
                    same[-1].file,
                    same[-1].line,
                )
            )
    for (method, _), same in routes.items():
        if len(same) > 1:
            names = ", ".join(f"{s.name!r} at {s.file}:{s.line}" for s in same)
            route = f"{method} {same[0].path}"
            problems.append(
                Problem(
                    "error",
                    f"duplicate route {route} ({names})",
                    same[-1].name,
                    same[-1].file,
                    same[-1].line,
                )
            )
    subscribed: dict[str, list[StepSpec]] = defaultdict(list)
    for step in steps:
        for topic in step.subscribes:
            subscribed[topic].append(step)
    for topic, subscribers in subscribed.items():
        problems.extend(_model_conflicts(topic, subscribers))
        if topic not in emitted:
            for step in subscribers:
                problems.append(
                    Problem(
                        "warning",
                        f"subscribes to {topic!r}, which no step emits",
                        step.name,
                        step.file,
                        step.line,
                    )
                )
    for step in steps:
        for topic in sorted(step.emits):
            if topic not in subscribed:
                problems.append(
                    Problem(
                        "warning",
                        f"emits {topic!r}, which no step subscribes to",
                        step.name,
                        step.file,
                        step.line,
                    )
                )
    problems.sort(key=lambda p: p.severity != "error")
    return problems


def _model_conflicts(topic: str, subscribers: list[StepSpec]) -> list[Problem]:
    problems: list[Problem] = []
    typed = [s for s in subscribers if s.input is not None]
    for i, first in enumerate(typed):
        for second in typed[i + 1 :]:
            assert first.input is not None and second.input is not None
            reason = incompatibility(first.input, second.input)
            if reason:
                problems.append(
                    Problem(
                        "error",
                        f"subscribers of {topic!r} have incompatible input models: "
                        f"{first.name} takes {first.input.__name__}, {second.name} takes "
                        f"{second.input.__name__} ({reason})",
                        second.name,
                        second.file,
                        second.line,
                    )
                )
    return problems


def incompatibility(a: type[BaseModel], b: type[BaseModel]) -> str | None:
    """Why one event could not satisfy both models, or None when it can."""
    if a is b:
        return None
    schema_a, schema_b = a.model_json_schema(), b.model_json_schema()
    props_a, props_b = schema_a.get("properties", {}), schema_b.get("properties", {})
    for required, props, other in (
        (schema_a.get("required", []), props_b, b),
        (schema_b.get("required", []), props_a, a),
    ):
        for field_name in required:
            if field_name not in props and other.model_config.get("extra") == "forbid":
                return f"{field_name!r} is required by one and forbidden by {other.__name__}"
    for field_name in sorted(props_a.keys() & props_b.keys()):
        shape_a, shape_b = _shape(props_a[field_name]), _shape(props_b[field_name])
        if shape_a != shape_b:
            # The schemas say how: a type, or a constraint (min_length on one only).
            return (
                f"field {field_name!r} is {_compact(shape_a)} in {a.__name__}"
                f" and {_compact(shape_b)} in {b.__name__}"
            )
    missing = [f for f in schema_b.get("required", []) if f not in props_a] + [
        f for f in schema_a.get("required", []) if f not in props_b
    ]
    if missing:
        return f"field {missing[0]!r} is required by one model only"
    return None


def _compact(schema: Any) -> str:
    return json.dumps(schema, sort_keys=True, separators=(", ", ": "))


def _shape(schema: Any) -> Any:
    """A field schema without its documentation, for comparison."""
    if isinstance(schema, dict):
        return {
            k: _shape(v)
            for k, v in schema.items()
            if k not in {"title", "description", "default", "examples"}
        }
    if isinstance(schema, list):
        return [_shape(v) for v in schema]
    return schema


def _import(name: str, path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    return module


def _import_failure(exc: Exception, path: Path, project: Path) -> Problem:
    """Where importing the step module `path` failed: the innermost place in the
    project's own code (a helper module the step imports, say), with the step module's
    line that led there as context."""
    message = str(exc) if isinstance(exc, StepDeclarationError) else f"{type(exc).__name__}: {exc}"
    file, line = _origin(exc, path, project)
    if file != path:
        step_line = _line(exc, path)
        message += f" (while importing {path}{f':{step_line}' if step_line else ''})"
    return Problem("error", message, file=str(file), line=line)


def _origin(exc: BaseException, path: Path, project: Path) -> tuple[Path, int | None]:
    """The innermost frame of the failure in the project's own files (not stepflow's,
    not an installed package's); the step module when there is none."""
    if isinstance(exc, SyntaxError) and exc.filename:
        where = Path(exc.filename).resolve()
        if where == path.resolve():
            return path, exc.lineno
        if _ours(where, project):
            return where, exc.lineno
    found: tuple[Path, int | None] = (path, None)
    for frame in traceback.extract_tb(exc.__traceback__):
        where = Path(frame.filename).resolve()
        if where == path.resolve():
            found = (path, frame.lineno)
        elif _ours(where, project):
            found = (where, frame.lineno)
    return found


_NOT_OURS = tuple(
    {Path(p).resolve() for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)}
    | {Path(__file__).resolve().parent}
)
"""Where installed code lives (a virtualenv inside the project too), and stepflow."""


def _ours(file: Path, project: Path) -> bool:
    if not file.is_relative_to(project) or not file.is_file():
        return False
    if any(part in ("site-packages", "dist-packages") for part in file.parts):
        return False
    return not any(file.is_relative_to(other) for other in _NOT_OURS)


def _line(exc: BaseException, path: Path) -> int | None:
    """The line of the failure inside the step module, if it is there."""
    if isinstance(exc, SyntaxError) and exc.filename == str(path):
        return exc.lineno
    line = None
    for frame in traceback.extract_tb(exc.__traceback__):
        if Path(frame.filename).resolve() == path.resolve():
            line = frame.lineno
    return line
