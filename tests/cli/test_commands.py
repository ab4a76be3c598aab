"""The `stepflow` commands other than dev, run as a subprocess, as a pipe or a script
sees them."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest

from stepflow import Runtime, discover, load_settings
from stepflow.testing import ServerProcess, free_port
from tests.helpers import (
    FAILING,
    HELLO,
    PG_URL,
    REDIS_URL,
    greet_project,
    stepflow,
    wait_healthy,
    write_step,
)


def test_graph_mermaid_on_examples_hello() -> None:
    result = stepflow("graph", "--format", "mermaid", cwd=HELLO)
    assert result.returncode == 0, result.stderr
    assert result.stdout == (
        "flowchart LR\n"
        '    SayHello(["SayHello<br/>POST /hello"])\n'
        '    ComposeGreeting["ComposeGreeting"]\n'
        '    RememberGreeting["RememberGreeting"]\n'
        '    SayHello -->|"hello.requested"| ComposeGreeting\n'
        '    ComposeGreeting -->|"hello.composed"| RememberGreeting\n'
    )


def test_graph_text_on_examples_hello() -> None:
    result = stepflow("graph", cwd=HELLO)
    assert result.stdout == (
        "SayHello (api: POST /hello)\n"
        "  --hello.requested--> ComposeGreeting\n"
        "ComposeGreeting (event: hello.requested)\n"
        "  --hello.composed--> RememberGreeting\n"
        "RememberGreeting (event: hello.composed)\n"
    )


TICK = (
    'from stepflow import cron_step\n@cron_step(name="Tick", cron="* * * * *")\n'
    "async def t(c): ...\n"
)


def test_graph_writes_a_cron_trigger_once(tmp_path: Path) -> None:
    write_step(tmp_path, "tick", TICK)
    assert stepflow("graph", cwd=tmp_path).stdout == "Tick (cron: * * * * *)\n"


def test_graph_as_json_lists_steps_and_edges() -> None:
    document = json.loads(stepflow("graph", "--json", cwd=HELLO).stdout)
    assert [step["name"] for step in document["steps"]] == [
        "SayHello",
        "ComposeGreeting",
        "RememberGreeting",
    ]
    assert document["edges"] == [
        {"from": "SayHello", "topic": "hello.requested", "to": "ComposeGreeting"},
        {"from": "ComposeGreeting", "topic": "hello.composed", "to": "RememberGreeting"},
    ]


def test_steps_in_a_pipe_shows_every_name_whole_at_80_columns() -> None:
    result = stepflow("steps", cwd=Path(__file__).resolve().parents[2])
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    for name in ("ClassifyWithAnthropic", "PersistClassification", "NormalizeIndicator"):
        assert any(name in line.split() for line in lines), name
    assert all("│" not in line for line in lines)  # plain rows, not a boxed table


def test_steps_as_json_has_full_declarations() -> None:
    [first, *_] = json.loads(stepflow("steps", "--json", cwd=HELLO).stdout)
    assert first == {
        "name": "SayHello",
        "type": "api",
        "trigger": "POST /hello",
        "emits": ["hello.requested"],
        "subscribes": [],
        "flows": ["hello"],
        "file": str(HELLO / "steps" / "hello_step.py"),
        "line": 19,
    }


def test_project_is_accepted_before_the_command_too(tmp_path: Path) -> None:
    before = stepflow("--project", str(HELLO), "steps", "--json", cwd=tmp_path)
    after = stepflow("steps", "--project", str(HELLO), "--json", cwd=tmp_path)
    assert before.returncode == after.returncode == 0
    assert before.stdout == after.stdout


def test_a_relative_steps_directory_is_under_the_project_not_the_current_folder(
    tmp_path: Path,
) -> None:
    step = tmp_path / "p" / "flows" / "tick_step.py"
    step.parent.mkdir(parents=True)
    step.write_text(TICK)
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "flows").mkdir(parents=True)  # the same name here holds no steps
    result = stepflow(
        "steps", "-C", str(tmp_path / "p"), "--steps", "flows", "--json", cwd=elsewhere
    )
    assert result.returncode == 0, result.stderr
    assert [step["file"] for step in json.loads(result.stdout)] == [str(step)]


def test_version_and_completion() -> None:
    from stepflow import __version__

    result = stepflow("--version", cwd=HELLO)
    assert result.stdout.strip() == f"stepflow {__version__}"
    assert "--install-completion" in stepflow("--help", cwd=HELLO).stdout


def test_a_projects_missing_steps_directory_is_one_line_and_exit_1(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.stepflow]\n")
    result = stepflow("steps", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip() == f"error: steps directory {tmp_path / 'steps'} does not exist"


@pytest.mark.parametrize(
    "command",
    [
        ["steps"],
        ["dev", "--no-reload"],
        ["graph"],
        ["emit", "job", "{}"],
        ["dlq", "list"],
        ["dlq", "replay", "--all"],
    ],
    ids=" ".join,
)
def test_outside_a_project_commands_say_how_to_make_or_find_one(
    tmp_path: Path, command: list[str]
) -> None:
    result = stepflow(*command, cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"error: no stepflow project in {tmp_path} (no steps/ folder): make one with"
        " `stepflow new NAME`, or point at one with `-C PATH`"
    )
    assert not (tmp_path / ".stepflow").exists()


def test_a_steps_directory_given_that_does_not_exist_is_named(tmp_path: Path) -> None:
    result = stepflow("steps", "--steps", "flows", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip() == f"error: steps directory {tmp_path / 'flows'} does not exist"


def test_bad_config_is_one_line_with_a_suggestion(tmp_path: Path) -> None:
    greet_project(tmp_path)
    (tmp_path / "pyproject.toml").write_text("[tool.stepflow]\nqueue_sise = 10\n")
    result = stepflow("dev", "--no-reload", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "error: unknown setting 'queue_sise' (did you mean 'queue_size'?)"
    )


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        (
            ["dev", "--port", "0"],
            "Invalid value for '--port' / '-p': Input should be greater than or equal to 1",
        ),
        (
            ["start", "--port", "-1"],
            "Invalid value for '--port' / '-p': Input should be greater than or equal to 1",
        ),
        (
            ["start", "-p", "65536"],
            "Invalid value for '--port' / '-p': Input should be less than or equal to 65535",
        ),
        (
            ["start", "--role", "boss"],
            "Invalid value for --role: must be all, api or worker, not 'boss'",
        ),
        (
            ["graph", "--format", "svg"],
            "Invalid value for --format: must be text, mermaid or json, not 'svg'",
        ),
        (
            ["dlq", "list", "--limit", "-3"],
            "Invalid value for '--limit': Input should be greater than or equal to 1",
        ),
    ],
    ids=["dev port 0", "start port -1", "start port 65536", "role", "format", "dlq limit"],
)
def test_a_value_out_of_range_is_a_usage_error_exit_2(
    tmp_path: Path, command: list[str], expected: str
) -> None:
    greet_project(tmp_path)
    result = stepflow(*command, cwd=tmp_path)
    assert result.returncode == 2
    usage = result.stderr.splitlines()[0]
    assert usage.endswith(f"stepflow {' '.join(command[:-2])} [OPTIONS]")
    assert result.stderr.strip().splitlines()[-1] == f"Error: {expected}"


def test_a_port_in_use_is_one_line_and_exit_1(tmp_path: Path) -> None:
    greet_project(tmp_path)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = stepflow("dev", "--port", str(port), cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip() == f"error: port {port} on 127.0.0.1 is in use"


def test_a_postgresql_database_that_does_not_exist_stops_startup_in_one_line(
    tmp_path: Path,
) -> None:
    greet_project(tmp_path)
    url = urlunsplit(urlsplit(PG_URL)._replace(path="/stepflow_no_such_database"))
    result = stepflow(
        "start", "--port", str(free_port()), cwd=tmp_path, env={"STEPFLOW_DATABASE": url}
    )
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f'error: cannot use the database {url}: database "stepflow_no_such_database" does not exist'
    )


def test_a_bus_that_does_not_answer_stops_startup_in_one_line(tmp_path: Path) -> None:
    greet_project(tmp_path)
    port = free_port()  # nothing listens there
    bus = f"redis://127.0.0.1:{port}/0"
    result = stepflow(
        "dev", "--no-reload", "--port", str(free_port()), cwd=tmp_path, env={"STEPFLOW_BUS": bus}
    )
    assert result.returncode == 1
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(f"error: cannot reach the bus {bus}: Error 111 connecting to")


def test_a_server_logging_to_a_file_writes_each_record_on_one_line(tmp_path: Path) -> None:
    greet_project(tmp_path)
    log = tmp_path / "server.log"
    with ServerProcess(tmp_path, env={"STEPFLOW_LOG_LEVEL": "INFO"}, log=log) as server:
        url = server.url
    # Not rich's columns, wrapped at 80: what `stepflow dev > log` can grep.
    [serving] = [line for line in log.read_text().splitlines() if "serving" in line]
    assert serving.endswith(f" INFO    stepflow.serve serving url={url} role=all")


def test_a_project_folder_that_does_not_exist_is_an_error_and_makes_nothing(
    tmp_path: Path,
) -> None:
    missing = tmp_path / "no" / "such" / "dir"
    result = stepflow("dlq", "list", "-C", str(missing), cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip() == f"error: project directory {missing} does not exist"
    assert not (tmp_path / "no").exists()


COMMANDS = [
    ["new"],
    ["dev"],
    ["start"],
    ["steps"],
    ["graph"],
    ["emit"],
    ["dlq"],
    ["dlq", "list"],
    ["dlq", "show"],
    ["dlq", "replay"],
    ["dlq", "purge"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_has_help_naming_values_but_giving_flags_no_type(
    tmp_path: Path, command: list[str]
) -> None:
    result = stepflow(*command, "--help", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Usage: ")
    assert "<bool>" not in result.stdout
    assert "│" not in result.stdout  # plain help, not rich's panels


def test_help_lists_each_command_on_one_line_in_full(tmp_path: Path) -> None:
    result = stepflow("--help", cwd=tmp_path)
    listed = result.stdout.split("Commands:\n", 1)[1].splitlines()
    assert [line.split()[0] for line in listed] == [
        "new",
        "dev",
        "start",
        "steps",
        "graph",
        "emit",
        "dlq",
    ]
    assert not [line for line in listed if line.endswith("...")]


def test_help_names_option_values_by_what_they_hold(tmp_path: Path) -> None:
    result = stepflow("dev", "--help", cwd=tmp_path)
    assert "  -C, --project DIR  " in result.stdout
    assert "  -p, --port PORT  " in result.stdout
    assert "  --reload / --no-reload  " in result.stdout


def test_emit_without_a_server_says_so(tmp_path: Path) -> None:
    greet_project(tmp_path)
    port = free_port()
    result = stepflow(
        "emit", "greet", '{"name": "x"}', "--url", f"http://127.0.0.1:{port}", cwd=tmp_path
    )
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"error: no stepflow server answers at http://127.0.0.1:{port}"
        " (start one with `stepflow dev`)"
    )


@pytest.mark.parametrize("url", ["localhost:3711", "notaurl", "ftp://127.0.0.1:3711"])
def test_a_url_without_http_is_refused_as_such(tmp_path: Path, url: str) -> None:
    greet_project(tmp_path)
    result = stepflow("emit", "greet", '{"name": "x"}', "--url", url, cwd=tmp_path)
    assert result.returncode == 1
    assert " ".join(result.stderr.split()) == (
        f"error: --url {url!r} is not an http:// or https:// URL (such as http://127.0.0.1:3000)"
    )


def test_emit_rejects_bad_json(tmp_path: Path) -> None:
    greet_project(tmp_path)
    result = stepflow("emit", "greet", "{nope", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith("error: DATA is not valid JSON")


# -- dead letters --------------------------------------------------------------------------


def _fail_one(root: Path, n: int = 42) -> None:
    """Run the project in-process and let one job fail for good."""

    async def run() -> None:
        settings = load_settings(root)
        registry, _ = discover(settings.steps_dir, settings)
        async with Runtime(registry, settings, cron=False, project=root) as runtime:
            await runtime.publish("job", {"n": n}, trace_id=f"t-{n}")
            await runtime.drain()

    asyncio.run(run())


def _failing_project(root: Path, extra: str = "") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text(f"[tool.stepflow]\nport = {free_port()}\n{extra}")
    write_step(root, "work", FAILING, BROKEN=True)
    return root


@pytest.fixture(params=["memory", "redis"])
def failing(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    """A project with one dead letter, on each bus."""
    extra = ""
    if request.param == "redis":
        namespace = request.getfixturevalue("redis_namespace")
        extra = f'bus = "{REDIS_URL}"\nredis_namespace = "{namespace}"\n'
    root = _failing_project(tmp_path / "p", extra)
    _fail_one(root)
    return root


def test_dlq_list_as_json_has_full_ids_on_both_buses(failing: Path) -> None:
    result = stepflow("dlq", "list", "--json", cwd=failing)
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    [letter] = document["items"]
    assert document["total"] == 1
    assert (letter["step"], letter["trace_id"], letter["data"]) == ("Work", "t-42", {"n": 42})
    assert letter["error"] == "RuntimeError: cannot do 42"
    shown = stepflow("dlq", "show", letter["id"], "--json", cwd=failing)
    assert json.loads(shown.stdout)["id"] == letter["id"]


def test_dlq_list_in_a_pipe_prints_whole_ids_on_one_line_each(failing: Path) -> None:
    letters = json.loads(stepflow("dlq", "list", "--json", cwd=failing).stdout)["items"]
    result = stepflow("dlq", "list", cwd=failing)
    [header, row] = result.stdout.splitlines()
    assert header.split()[:3] == ["id", "step", "topic"]
    assert row.split()[:5] == [letters[0]["id"], "Work", "job", "1", "t-42"]
    assert "RuntimeError: cannot do 42" in row


def test_dlq_show_prints_the_whole_letter_with_its_traceback(failing: Path) -> None:
    letter = json.loads(stepflow("dlq", "list", "--json", cwd=failing).stdout)["items"][0]
    result = stepflow("dlq", "show", letter["id"], cwd=failing)
    assert result.returncode == 0, result.stderr
    assert f"id:        {letter['id']}" in result.stdout
    assert "trace id:  t-42" in result.stdout
    assert "Traceback (most recent call last)" in result.stdout
    assert 'raise RuntimeError(f"cannot do {job.n}")' in result.stdout


@pytest.mark.parametrize("letter_id", ["nope", "99999999999999999999", "²"])
def test_dlq_show_of_an_unknown_id_says_how_to_find_one(failing: Path, letter_id: str) -> None:
    result = stepflow("dlq", "show", letter_id, cwd=failing)
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"error: no dead letter {letter_id!r} (`stepflow dlq list` shows their ids)"
    )


@pytest.mark.parametrize("command", ["replay", "purge"])
def test_dlq_names_the_ids_it_did_not_find_after_acting_on_the_rest(
    failing: Path, command: str
) -> None:
    letter = json.loads(stepflow("dlq", "list", "--json", cwd=failing).stdout)["items"][0]
    confirm = ["--yes"] if command == "purge" else []
    result = stepflow("dlq", command, letter["id"], "nope", *confirm, cwd=failing)
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "error: no dead letter 'nope' (`stepflow dlq list` shows their ids)"
    )
    verb = {"replay": "replayed", "purge": "purged"}[command]
    assert result.stdout.strip().splitlines()[-1] == f"{verb} 1 dead letter: {letter['id']}"


@pytest.mark.parametrize("command", ["replay", "purge"])
def test_dlq_all_with_ids_is_refused(failing: Path, command: str) -> None:
    confirm = ["--yes"] if command == "purge" else []
    result = stepflow("dlq", command, "1", "--all", *confirm, cwd=failing)
    assert result.returncode == 1
    assert result.stderr.strip() == "error: name dead letter IDS or pass --all, not both"


@pytest.mark.parametrize("command", [("replay", "--all"), ("purge", "--all", "--yes")])
def test_dlq_all_with_no_dead_letters_is_not_an_error(
    tmp_path: Path, command: tuple[str, ...]
) -> None:
    root = _failing_project(tmp_path / "p")
    _fail_one(root)
    assert stepflow("dlq", "purge", "--all", "--yes", cwd=root).returncode == 0
    result = stepflow("dlq", *command, cwd=root)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "no dead letters"


def test_dlq_limit_must_be_at_least_one(failing: Path) -> None:
    result = stepflow("dlq", "list", "--limit", "0", cwd=failing)
    assert result.returncode == 2
    assert "--limit" in result.stderr


def test_dlq_names_several_dead_letters_in_the_plural(tmp_path: Path) -> None:
    root = _failing_project(tmp_path / "p")
    for n in (1, 2, 3):
        _fail_one(root, n)
    result = stepflow("dlq", "purge", "--all", "--yes", cwd=root)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "purged 3 dead letters: 1, 2, 3"


def test_dlq_names_the_first_ten_of_many_dead_letters() -> None:
    from stepflow._cli import _letters_named

    ids = [str(n) for n in range(1, 14)]
    assert _letters_named(ids) == "13 dead letters: 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 and 3 more"


def test_dlq_purge_needs_yes_without_a_terminal_then_deletes(failing: Path) -> None:
    [letter_id] = [
        x["id"] for x in json.loads(stepflow("dlq", "list", "--json", cwd=failing).stdout)["items"]
    ]
    refused = stepflow("dlq", "purge", "--all", cwd=failing)
    assert refused.returncode == 1
    assert refused.stderr.strip() == (
        "error: purging every dead letter needs --yes when not run from a terminal"
    )
    purged = stepflow("dlq", "purge", "--all", "--yes", cwd=failing)
    assert (purged.returncode, purged.stdout.strip()) == (0, f"purged 1 dead letter: {letter_id}")
    assert stepflow("dlq", "list", cwd=failing).stdout.strip() == "no dead letters"


def test_dlq_replays_in_process_when_no_server_answers_and_says_so(tmp_path: Path) -> None:
    root = _failing_project(tmp_path / "p")
    _fail_one(root)
    write_step(root, "work", FAILING, BROKEN=False)
    result = stepflow("dlq", "replay", "--all", cwd=root)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    said = " ".join(result.stdout.split())
    assert said.startswith("no server answers at http://127.0.0.1:")
    assert "; replaying in this process (--url names a server elsewhere)" in said
    assert lines[-1] == "replayed 1 dead letter: 1"
    assert "Traceback" not in result.stderr and "_Unreachable" not in result.stderr
    assert stepflow("dlq", "list", cwd=root).stdout.strip() == "no dead letters"


def test_commands_find_this_projects_server_on_the_port_it_was_started_on(
    tmp_path: Path,
) -> None:
    root = _failing_project(tmp_path / "p")
    _fail_one(root)
    write_step(root, "work", FAILING, BROKEN=False)
    announcement = root / ".stepflow" / "server.json"
    with ServerProcess(root, port=free_port()) as server:  # not pyproject.toml's port
        assert json.loads(announcement.read_text())["url"] == server.url
        replayed = stepflow("dlq", "replay", "--all", cwd=root)
        assert replayed.returncode == 0, replayed.stderr
        assert replayed.stdout.strip() == "replayed 1 dead letter: 1"  # through the server
        emitted = stepflow("emit", "job", '{"n": 7}', cwd=root)
        assert emitted.returncode == 0, emitted.stderr
    assert not announcement.exists()


def test_an_announcement_left_by_a_killed_server_is_ignored(tmp_path: Path) -> None:
    root = _failing_project(tmp_path / "p")
    (root / ".stepflow").mkdir()
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    url = f"http://127.0.0.1:{free_port()}"
    (root / ".stepflow" / "server.json").write_text(
        json.dumps({"url": url, "pid": int(gone.stdout)})
    )
    result = stepflow("emit", "job", '{"n": 1}', cwd=root)
    assert result.returncode == 1
    configured = load_settings(root).port
    assert result.stderr.strip() == (
        f"error: no stepflow server answers at http://127.0.0.1:{configured}"
        " (start one with `stepflow dev`)"
    )


@pytest.mark.parametrize(
    "where",
    [
        ("-C", "{root}", "dlq", "list"),
        ("dlq", "-C", "{root}", "list"),
        ("dlq", "list", "-C", "{root}"),
    ],
    ids=["before dlq", "after dlq", "after list"],
)
def test_dlq_takes_the_project_before_between_or_after_its_command(
    failing: Path, tmp_path: Path, where: tuple[str, ...]
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    args = [arg.format(root=failing) for arg in where]
    result = stepflow(*args, "--json", cwd=elsewhere)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["total"] == 1


def test_a_project_given_nearer_the_command_wins(failing: Path, tmp_path: Path) -> None:
    missing = tmp_path / "missing"
    result = stepflow("-C", str(missing), "dlq", "-C", str(failing), "list", "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["total"] == 1


def test_dlq_list_without_a_database_yet_makes_none(tmp_path: Path) -> None:
    root = _failing_project(tmp_path / "p")
    assert stepflow("dlq", "list", cwd=root).stdout.strip() == "no dead letters"
    assert not (root / ".stepflow").exists()


@pytest.fixture
def hello_server(tmp_path: Path) -> Iterator[ServerProcess]:
    with ServerProcess(HELLO, env={"STEPFLOW_DATABASE": str(tmp_path / "hello.db")}) as server:
        yield server


def test_commands_refuse_another_projects_server(
    tmp_path: Path, hello_server: ServerProcess
) -> None:
    root = _failing_project(tmp_path / "other")
    for command in (["emit", "job", '{"n": 1}'], ["dlq", "replay", "7"]):
        result = stepflow(*command, "--url", hello_server.url, cwd=root)
        assert result.returncode == 1, command
        assert result.stderr.strip() == (
            f"error: the stepflow server at {hello_server.url} serves another project "
            f"({HELLO}); stop it, or pass --url of this project's server"
        )


def test_emit_goes_to_this_projects_server_and_is_validated(
    hello_server: ServerProcess,
) -> None:
    ok = stepflow(
        "emit", "hello.requested", '{"name": "Ada"}', "--url", hello_server.url, cwd=HELLO
    )
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith("emitted hello.requested id=")
    bad = stepflow(
        "emit", "hello.requested", '{"nom": "Ada"}', "--url", hello_server.url, cwd=HELLO
    )
    assert bad.returncode == 1
    assert bad.stderr.strip().endswith("/_stepflow/api/emit: HTTP 422: data.name: Field required")
    typo = stepflow("emit", "hello.request", "{}", "--url", hello_server.url, cwd=HELLO)
    assert "unknown topic 'hello.request' (did you mean 'hello.requested'?)" in typo.stderr


def test_something_else_on_the_port_is_named_as_not_stepflow(tmp_path: Path) -> None:
    root = _failing_project(tmp_path / "p")
    with subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port := free_port()), "--bind", "127.0.0.1"],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    ) as other:
        try:
            url = f"http://127.0.0.1:{port}"
            _wait_answering(url)
            result = stepflow("dlq", "replay", "1", "--url", url, cwd=root)
        finally:
            other.kill()
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"error: something answers at {url}, but not a stepflow server (HTTP 404)"
    )


def _wait_answering(url: str) -> None:
    from stepflow.testing import wait_until_blocking

    def answers() -> bool:
        try:
            httpx.get(url, timeout=1)
        except httpx.TransportError:
            return False
        return True

    wait_until_blocking(answers, what=url)


# -- a new project -----------------------------------------------------------------------


@pytest.mark.slow
def test_new_scaffolds_a_project_whose_tests_pass_and_that_serves(tmp_path: Path) -> None:
    made = stepflow("new", "demo", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    root = tmp_path / "demo"
    assert made.stdout.splitlines() == [
        f"created {root}",
        "  cd demo && stepflow dev                       # then open /_stepflow/",
        "  pip install pytest pytest-asyncio && pytest   # its tests (in that folder)",
    ]
    assert sorted(p.name for p in root.iterdir()) == [
        ".gitignore",
        "README.md",
        "pyproject.toml",
        "steps",
        "tests",
    ]
    assert len((root / "README.md").read_text().strip().splitlines()) == 5  # title + 4 lines
    tests = _pytest_in(root)
    assert tests.returncode == 0, tests.stdout + tests.stderr
    assert "2 passed" in tests.stdout
    port = free_port()
    with subprocess.Popen(
        [sys.executable, "-m", "stepflow", "dev", "--port", str(port)],
        cwd=root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    ) as dev:
        try:
            url = f"http://127.0.0.1:{port}"
            wait_healthy(url)
            accepted = httpx.post(f"{url}/hello", json={"name": "Ada"})
            assert accepted.status_code == 202
        finally:
            dev.send_signal(2)
            assert dev.wait(60) == 0


def _pytest_in(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
        env={k: v for k, v in os.environ.items() if k != "PYTEST_ADDOPTS"},
    )


@pytest.mark.slow
def test_a_new_projects_tests_run_without_a_warning(tmp_path: Path) -> None:
    assert stepflow("new", "demo", cwd=tmp_path).returncode == 0
    tests = _pytest_in(tmp_path / "demo", "-W", "error")
    assert tests.returncode == 0, tests.stdout + tests.stderr
    assert "warning" not in (tests.stdout + tests.stderr).lower()
    assert tests.stdout.strip().splitlines()[-1].startswith("2 passed in ")


def test_a_new_projects_readme_says_what_its_tests_need(tmp_path: Path) -> None:
    assert stepflow("new", "demo", cwd=tmp_path).returncode == 0
    readme = " ".join((tmp_path / "demo" / "README.md").read_text().split())
    assert "`pip install pytest pytest-asyncio`, then `pytest` runs them." in readme


def test_new_refuses_a_folder_that_exists(tmp_path: Path) -> None:
    (tmp_path / "demo").mkdir()
    result = stepflow("new", "demo", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip() == f"error: {tmp_path / 'demo'} already exists"
