"""Discovery imports every *_step.py and validates the graph, reporting every problem."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from pydantic import BaseModel, Field

from stepflow import DiscoveryError, Settings, UnknownStepError, discover
from stepflow._discovery import incompatibility

HEADER = "from pydantic import BaseModel\nfrom stepflow import api_step, event_step, cron_step\n"


def _write(root: Path, relative: str, body: str) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(HEADER + textwrap.dedent(body))
    return path


def test_finds_step_modules_recursively_with_several_steps_each(tmp_path: Path) -> None:
    steps = tmp_path / "steps"
    _write(
        steps,
        "orders/orders_step.py",
        """
        @api_step(name="Create", method="POST", path="/orders", emits=["created"])
        async def create(req, ctx): ...

        @event_step(name="Ship", subscribes=["created"])
        async def ship(data, ctx): ...
        """,
    )
    _write(
        steps,
        "sweep_step.py",
        '@cron_step(name="Sweep", cron="*/5 * * * *")\nasync def sweep(ctx): ...\n',
    )
    _write(
        steps,
        "helpers.py",
        '@event_step(name="Hidden", subscribes=["x"])\nasync def h(d, c): ...\n',
    )

    registry, warnings = discover(steps)

    assert sorted(registry.by_name) == ["Create", "Ship", "Sweep"]
    assert [s.name for s in registry.api_steps] == ["Create"]
    assert warnings == []


def test_an_import_error_names_the_file_and_line(tmp_path: Path) -> None:
    steps = tmp_path / "steps"
    bad = _write(steps, "bad_step.py", "\nx = 1\nraise RuntimeError('boom')\n")
    with pytest.raises(DiscoveryError) as caught:
        discover(steps)
    assert [str(p) for p in caught.value.problems] == [f"error: {bad}:5: RuntimeError: boom"]


def test_a_syntax_error_names_the_file_and_line(tmp_path: Path) -> None:
    steps = tmp_path / "steps"
    bad = _write(steps, "bad_step.py", "def broken(:\n")
    with pytest.raises(DiscoveryError) as caught:
        discover(steps)
    assert str(caught.value.problems[0]).startswith(f"error: {bad}:3: SyntaxError")


def test_an_error_in_a_helper_module_names_the_helpers_line_and_the_importing_step(
    tmp_path: Path,
) -> None:
    steps = tmp_path / "steps"
    helper = tmp_path / "discovery_models_a.py"  # a module of the project's (unique name)
    helper.write_text("from pydantic import BaseModel\n\nLIMIT = undefined_name\n")
    step = _write(steps, "orders/orders_step.py", "from discovery_models_a import LIMIT\n")
    with pytest.raises(DiscoveryError) as caught:
        discover(steps)
    assert [str(p) for p in caught.value.problems] == [
        f"error: {helper}:3: NameError: name 'undefined_name' is not defined"
        f" (while importing {step}:3)"
    ]


def test_a_syntax_error_in_a_helper_module_names_the_helpers_line(tmp_path: Path) -> None:
    steps = tmp_path / "steps"
    helper = tmp_path / "discovery_shared_b.py"
    helper.write_text("x = 1\ndef broken(:\n")
    step = _write(steps, "a_step.py", "\nimport discovery_shared_b\n")
    with pytest.raises(DiscoveryError) as caught:
        discover(steps)
    [problem] = caught.value.problems
    assert (problem.file, problem.line) == (str(helper), 2)
    assert problem.message.startswith("SyntaxError: ")
    assert problem.message.endswith(f" (while importing {step}:4)")


def test_an_error_raised_inside_a_library_is_placed_at_the_projects_line(tmp_path: Path) -> None:
    steps = tmp_path / "steps"
    helper = tmp_path / "discovery_config_c.py"
    helper.write_text("import json\n\nCONFIG = json.loads('{nope')\n")
    step = _write(steps, "a_step.py", "from discovery_config_c import CONFIG\n")
    with pytest.raises(DiscoveryError) as caught:
        discover(steps)
    [problem] = caught.value.problems
    assert (problem.file, problem.line) == (str(helper), 3)  # not json's own decoder.py
    assert problem.message.startswith("JSONDecodeError: Expecting property name")
    assert problem.message.endswith(f" (while importing {step}:3)")


def test_a_bad_declaration_is_reported_with_its_file(tmp_path: Path) -> None:
    steps = tmp_path / "steps"
    bad = _write(steps, "c_step.py", '@cron_step(name="C", cron="nope")\nasync def c(ctx): ...\n')
    with pytest.raises(DiscoveryError) as caught:
        discover(steps)
    assert [str(p) for p in caught.value.problems] == [
        f"error: {bad}:3: step 'C': cron='nope': not a valid cron expression: it has 1 field;"
        " a cron expression has five fields (minute hour day-of-month month day-of-week),"
        " or six with a second first"
    ]


def test_validation_reports_duplicate_names_and_routes_at_once(tmp_path: Path) -> None:
    steps = tmp_path / "steps"
    first = _write(
        steps,
        "a_step.py",
        """
        @api_step(name="Get", method="GET", path="/items/{id}")
        async def get(req, ctx): ...

        @event_step(name="Twice", subscribes=["t"])
        async def one(d, c): ...
        """,
    )
    second = _write(
        steps,
        "b_step.py",
        """
        @api_step(name="Fetch", method="GET", path="/items/{key}")
        async def fetch(req, ctx): ...

        @event_step(name="Twice", subscribes=["t"])
        async def two(d, c): ...
        """,
    )
    with pytest.raises(DiscoveryError) as caught:
        discover(steps)
    assert [str(p) for p in caught.value.problems] == [
        f"error: {second}:7: step 'Twice': duplicate step name (declared at {first}:7, {second}:7)",
        f"error: {second}:4: step 'Fetch': duplicate route GET /items/{{id}}"
        f" ('Get' at {first}:4, 'Fetch' at {second}:4)",
    ]


def test_dangling_topics_are_warnings(tmp_path: Path) -> None:
    steps = tmp_path / "steps"
    path = _write(
        steps,
        "a_step.py",
        """
        @event_step(name="Lonely", subscribes=["nobody.emits"], emits=["nobody.listens"])
        async def lonely(d, c): ...
        """,
    )
    _, warnings = discover(steps)
    assert [str(w) for w in warnings] == [
        f"warning: {path}:4: step 'Lonely': subscribes to 'nobody.emits', which no step emits",
        f"warning: {path}:4: step 'Lonely': emits 'nobody.listens', which no step subscribes to",
    ]


def test_subscribers_with_incompatible_input_models_are_an_error(tmp_path: Path) -> None:
    steps = tmp_path / "steps"
    path = _write(
        steps,
        "a_step.py",
        """
        class ById(BaseModel):
            id: int

        class ByName(BaseModel):
            id: str

        class Loose(BaseModel):
            id: int
            note: str = ""

        @api_step(name="Start", method="POST", path="/s", emits=["t"])
        async def start(req, ctx): ...

        @event_step(name="One", subscribes=["t"], input=ById)
        async def one(d, c): ...

        @event_step(name="Two", subscribes=["t"], input=Loose)
        async def two(d, c): ...

        @event_step(name="Three", subscribes=["t"], input=ByName)
        async def three(d, c): ...
        """,
    )
    with pytest.raises(DiscoveryError) as caught:
        discover(steps)
    assert [str(p) for p in caught.value.problems] == [
        f"error: {path}:23: step 'Three': subscribers of 't' have incompatible input models: "
        "One takes ById, Three takes ByName"
        """ (field 'id' is {"type": "integer"} in ById and {"type": "string"} in ByName)""",
        f"error: {path}:23: step 'Three': subscribers of 't' have incompatible input models: "
        "Two takes Loose, Three takes ByName"
        """ (field 'id' is {"type": "integer"} in Loose and {"type": "string"} in ByName)""",
    ]


def test_a_missing_steps_directory_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(DiscoveryError, match=r"steps directory .* does not exist"):
        discover(tmp_path / "nope")


def test_two_handlers_bound_to_one_name_are_both_steps_with_a_warning(tmp_path: Path) -> None:
    steps = tmp_path / "steps"
    path = _write(
        steps,
        "a_step.py",
        """
        @api_step(name="First", method="POST", path="/a", emits=["t"])
        async def handle(req, ctx): ...

        @event_step(name="Second", subscribes=["t"])
        async def handle(d, c): ...
        """,
    )
    registry, warnings = discover(steps)
    assert sorted(registry.by_name) == ["First", "Second"]
    assert [str(w) for w in warnings] == [
        f"warning: {path}:4: step 'First': handler 'handle' is defined again later in the "
        "module; both steps are registered, but rename one of the functions"
    ]


def test_step_modules_read_the_settings_discovery_was_given(tmp_path: Path) -> None:
    steps = tmp_path / "steps"
    _write(
        steps,
        "a_step.py",
        """
        from stepflow import current_settings

        LIMIT = current_settings().app["limit"]

        @cron_step(name=f"Every{LIMIT}", cron=f"*/{LIMIT} * * * *")
        async def every(ctx): ...
        """,
    )
    registry, _ = discover(steps, Settings(app={"limit": 7}))
    assert registry.cron_steps[0].name == "Every7"
    assert registry.cron_steps[0].cron == "*/7 * * * *"


def test_an_unknown_step_name_lists_the_steps_there_are(tmp_path: Path) -> None:
    steps = tmp_path / "steps"
    _write(steps, "a_step.py", '@cron_step(name="Tick", cron="* * * * *")\nasync def t(c): ...\n')
    registry, _ = discover(steps)
    with pytest.raises(UnknownStepError) as caught:
        registry.step("Tock", "cron")
    assert str(caught.value) == "no cron step named 'Tock'; the project has: Tick"


def test_models_that_differ_only_in_a_constraint_say_which() -> None:
    class Loose(BaseModel):
        name: str

    class Strict(BaseModel):
        name: str = Field(min_length=1)

    assert incompatibility(Loose, Strict) == (
        """field 'name' is {"type": "string"} in Loose and {"minLength": 1, "type": "string"} in"""
        " Strict"
    )
