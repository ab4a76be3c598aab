"""The Workbench's pages in a real browser: each opened as a deep link, against a real
server, waiting on what the page shows (never on the clock)."""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from playwright.sync_api import Page, expect

from stepflow.testing import wait_until_blocking
from tests.helpers import HELLO
from tests.workbench.conftest import Jobs, Stash, workbench

pytestmark = pytest.mark.slow

HELLO_STEPS = ("SayHello", "ComposeGreeting", "RememberGreeting")


def greet(url: str, name: str) -> str:
    """POST /hello: the trace id."""
    response = httpx.post(f"{url}/hello", json={"name": name}, timeout=30)
    assert response.status_code == 202, response.text
    return response.headers["x-trace-id"]


def settled(url: str, trace_id: str) -> None:
    """Until the trace is stored and done (its three spans and three log records)."""

    def done() -> bool:
        trace = httpx.get(f"{url}/_stepflow/api/traces/{trace_id}")
        return (
            trace.status_code == 200
            and trace.json()["status"] == "ok"
            and len(trace.json()["logs"]) == len(HELLO_STEPS)
        )

    wait_until_blocking(done, timeout=60, interval=0.05, what=f"trace {trace_id}")


# -- the flow graph ------------------------------------------------------------------------


def test_the_graph_shows_every_step_its_topics_and_a_declaration(hello: str, page: Page) -> None:
    page.goto(f"{hello}/_stepflow/")
    for name in HELLO_STEPS:
        expect(page.get_by_test_id(f"node-{name}")).to_be_visible()
    expect(page.get_by_test_id("node-SayHello")).to_have_class(re.compile(r"\bnode-api\b"))
    expect(page.get_by_test_id("node-ComposeGreeting")).to_have_class(re.compile(r"node-event"))
    expect(page.get_by_test_id("node-SayHello")).to_contain_text("POST /hello")
    labels = page.get_by_test_id("edge-label")
    expect(labels).to_have_count(2)
    for topic in ("hello.requested", "hello.composed"):
        label = page.locator(f"[data-testid=edge-label][data-topic='{topic}'] text")
        expect(label).to_have_text(topic)

    page.get_by_test_id("node-ComposeGreeting").click()
    detail = page.get_by_test_id("step-detail")
    expect(detail).to_contain_text("ComposeGreeting")
    expect(detail).to_contain_text(re.compile(r"Subscribes\s*hello\.requested"))
    expect(detail).to_contain_text(re.compile(r"Emits\s*hello\.composed"))
    expect(detail).to_contain_text(re.compile(r"Retries\s*3"))
    expect(detail).to_contain_text(re.compile(r"Concurrency\s*\d+"))
    expect(detail).to_contain_text(re.compile(r"steps/hello_step\.py:\d+"))
    expect(detail.get_by_test_id("step-schema")).to_contain_text('"minLength": 1')
    expect(page).to_have_url(re.compile(r"\?step=ComposeGreeting$"))


def test_the_graph_counters_follow_the_traffic(hello: str, page: Page) -> None:
    page.goto(f"{hello}/_stepflow/")
    counters = page.get_by_test_id("stats-RememberGreeting")
    expect(counters).to_contain_text("ok 0")
    greet(hello, "Ada")
    expect(counters).to_contain_text("ok 1")


# -- endpoints and docs ----------------------------------------------------------------------


def test_an_endpoint_form_sends_a_request_and_links_its_trace(hello: str, page: Page) -> None:
    page.goto(f"{hello}/_stepflow/endpoints")
    form = page.get_by_test_id("endpoint-SayHello")
    body = form.get_by_test_id("body")
    expect(body).to_have_value(re.compile(r'"name": "string"'))  # an example of the schema
    body.fill('{"name": "Ada"}')
    form.get_by_test_id("send").click()
    expect(form.get_by_test_id("response-status")).to_have_text("202")
    trace_id = form.get_by_test_id("response-trace-id").inner_text()
    expect(form.get_by_test_id("response-body")).to_contain_text(trace_id)

    form.get_by_test_id("trace-link").click()
    expect(page).to_have_url(f"{hello}/_stepflow/traces/{trace_id}")
    expect(page.get_by_test_id("span-step")).to_have_text(list(HELLO_STEPS))
    expect(page.get_by_test_id("span-status")).to_have_text(["ok", "ok", "ok"])


def test_the_docs_list_every_operation_of_the_openapi_document(hello: str, page: Page) -> None:
    document = httpx.get(f"{hello}/openapi.json").json()
    operations = [
        (method.upper(), path, operation["operationId"])
        for path, item in document["paths"].items()
        for method, operation in item.items()
    ]
    assert len(operations) >= 2  # SayHello and /health
    page.goto(f"{hello}/docs")
    expect(page.get_by_test_id("operation")).to_have_count(len(operations))
    for method, path, operation_id in operations:
        card = page.locator(f"[data-testid=operation][data-operation-id='{operation_id}']")
        expect(card.get_by_test_id("operation-path")).to_have_text(path)
        expect(card).to_contain_text(method)
    expect(page.locator("[data-operation-id=SayHello]")).to_contain_text("422")


def test_the_docs_try_it_form_sends_a_request(hello: str, page: Page) -> None:
    page.goto(f"{hello}/docs")
    card = page.locator("[data-testid=operation][data-operation-id=SayHello]")
    card.get_by_test_id("try-it").click()
    card.get_by_test_id("body").fill('{"name": "Grace"}')
    card.get_by_test_id("send").click()
    expect(card.get_by_test_id("response-status")).to_have_text("202")
    expect(card.get_by_test_id("trace-link")).to_be_visible()


# -- traces ----------------------------------------------------------------------------------


def test_a_failed_trace_shows_its_retries_and_the_error(jobs: Jobs, page: Page) -> None:
    trace_id = jobs.start(7)
    page.goto(f"{jobs.url}/_stepflow/traces/{trace_id}")
    expect(page.get_by_test_id("trace-status")).to_have_text("failed")
    start = page.locator("[data-testid=span-row][data-step=StartJob]")
    expect(start).to_have_attribute("data-status", "ok")
    attempts = page.locator("[data-testid=span-row][data-step=Work]")
    expect(attempts).to_have_count(3)
    for i, status in enumerate(["retry", "retry", "dead letter"]):
        attempt = attempts.nth(i)
        expect(attempt.get_by_test_id("span-attempt")).to_have_text(f"attempt {i + 1}")
        expect(attempt.get_by_test_id("span-status")).to_have_text(status)
        expect(attempt.get_by_test_id("span-error")).to_have_text("RuntimeError: cannot do job 7")

    attempts.nth(2).click()
    detail = page.get_by_test_id("span-detail")
    expect(detail.get_by_test_id("span-traceback")).to_contain_text("in work")
    expect(detail.get_by_test_id("span-input")).to_contain_text('"n": 7')
    expect(detail.get_by_test_id("span-logs-link")).to_have_attribute(
        "href", re.compile(r"^/_stepflow/logs\?span_id=\w+$")
    )


def test_a_new_trace_appears_in_the_list_without_a_reload(hello: str, page: Page) -> None:
    page.goto(f"{hello}/_stepflow/traces")
    expect(page.get_by_test_id("live")).to_have_attribute("data-state", "ready")
    expect(page.get_by_test_id("trace-row")).to_have_count(0)
    page.evaluate("window.sameDocument = true")

    trace_id = greet(hello, "Live")
    row = page.locator(f"[data-testid=trace-row][data-trace-id='{trace_id}']")
    expect(row).to_be_visible()
    expect(row).to_have_attribute("data-status", "ok")
    assert page.evaluate("window.sameDocument") is True


def test_a_trace_page_fills_in_as_its_spans_arrive(hello: str, page: Page) -> None:
    trace_id = uuid.uuid4().hex
    page.goto(f"{hello}/_stepflow/traces/{trace_id}")
    expect(page.get_by_test_id("trace-waiting")).to_be_visible()
    expect(page.get_by_test_id("live")).to_have_attribute("data-state", "ready")

    traceparent = f"00-{trace_id}-{uuid.uuid4().hex[:16]}-01"
    response = httpx.post(
        f"{hello}/hello", json={"name": "Soon"}, headers={"traceparent": traceparent}
    )
    assert response.headers["x-trace-id"] == trace_id
    expect(page.get_by_test_id("span-step")).to_have_text(list(HELLO_STEPS))
    expect(page.get_by_test_id("trace-status")).to_have_text("ok")


def test_an_unknown_trace_id_says_there_is_no_such_trace(hello: str, page: Page) -> None:
    page.goto(f"{hello}/_stepflow/traces/0123abc")
    expect(page.get_by_test_id("trace-missing")).to_have_text("No trace with id 0123abc.")
    expect(page.get_by_role("link", name="All traces")).to_have_attribute(
        "href", "/_stepflow/traces"
    )


@pytest.fixture
def mixed(jobs: Jobs) -> tuple[Jobs, list[str], list[str]]:
    """Two failed traces (jobs 1 and 2), then five that succeed (jobs 3 to 7)."""
    failed = [jobs.start(n) for n in (1, 2)]
    jobs.wait_for("failed", 2)
    jobs.fixed.write_text("fixed")
    ok = [jobs.start(n) for n in range(3, 8)]
    jobs.wait_for("ok", 5)
    return jobs, failed, ok


def test_the_trace_list_filters_by_status_and_text(
    mixed: tuple[Jobs, list[str], list[str]], page: Page
) -> None:
    jobs, failed, _ = mixed
    page.goto(f"{jobs.url}/_stepflow/traces")
    rows = page.get_by_test_id("trace-row")
    expect(rows).to_have_count(7)

    page.get_by_test_id("filter-status").select_option("failed")
    expect(page).to_have_url(re.compile(r"\?status=failed$"))
    expect(rows).to_have_count(2)
    expect(page.locator("[data-testid=trace-row][data-status=failed]")).to_have_count(2)

    page.get_by_test_id("filter-status").select_option("ok")
    expect(rows).to_have_count(5)
    expect(page.locator("[data-testid=trace-row][data-status=ok]")).to_have_count(5)

    page.get_by_test_id("filter-status").select_option("")
    page.get_by_test_id("filter-q").fill("cannot do job 2")
    expect(rows).to_have_count(1)
    expect(rows).to_have_attribute("data-trace-id", failed[1])

    page.reload()  # the filters live in the address: a deep link
    expect(page.get_by_test_id("filter-q")).to_have_value("cannot do job 2")
    expect(rows).to_have_count(1)


def test_the_trace_list_pages_on_the_server(
    mixed: tuple[Jobs, list[str], list[str]], page: Page
) -> None:
    jobs, failed, ok = mixed
    page.goto(f"{jobs.url}/_stepflow/traces?limit=3")
    info = page.get_by_test_id("pager-info")
    rows = page.get_by_test_id("trace-row")
    seen: list[str] = []
    for shown, text in ((3, "1–3 of 7"), (3, "4–6 of 7"), (1, "7–7 of 7")):
        expect(info).to_have_text(text)
        expect(rows).to_have_count(shown)
        seen += [rows.nth(i).get_attribute("data-trace-id") or "" for i in range(shown)]
        if shown == 3:
            page.get_by_test_id("pager-next").click()
    expect(page.get_by_test_id("pager-next")).to_be_disabled()
    assert sorted(seen) == sorted(failed + ok)
    assert seen[-2:] == failed[::-1]  # newest first: the two failed ones were the first
    page.get_by_test_id("pager-prev").click()
    expect(info).to_have_text("4–6 of 7")


def test_an_offset_past_the_last_trace_shows_the_last_page(
    mixed: tuple[Jobs, list[str], list[str]], page: Page
) -> None:
    jobs, failed, _ = mixed
    page.goto(f"{jobs.url}/_stepflow/traces?limit=3&offset=100000")
    expect(page.get_by_test_id("pager-info")).to_have_text("7–7 of 7")
    expect(page.get_by_test_id("trace-row")).to_have_attribute("data-trace-id", failed[0])
    expect(page).to_have_url(f"{jobs.url}/_stepflow/traces?limit=3&offset=6")


# -- dead letters --------------------------------------------------------------------------


def test_a_replayed_dead_letter_leaves_the_list(jobs: Jobs, page: Page) -> None:
    jobs.start(5)
    jobs.wait_for("failed", 1)
    page.goto(f"{jobs.url}/_stepflow/dead-letters")
    row = page.get_by_test_id("dead-letter-row")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Work")
    expect(row).to_contain_text("RuntimeError: cannot do job 5")

    jobs.fixed.write_text("fixed")
    row.get_by_test_id("replay").click()
    expect(page.get_by_test_id("notice")).to_have_text("Replayed 1 letter.")
    expect(page.get_by_test_id("dead-letter-row")).to_have_count(0)
    expect(page.get_by_test_id("no-dead-letters")).to_be_visible()

    def worked() -> bool:
        state = httpx.get(f"{jobs.url}/_stepflow/api/state/jobs/done").json()
        return bool(state["values"].get("5") == "done")

    wait_until_blocking(worked, timeout=60, interval=0.05, what="the replayed job to run")


def test_an_open_dead_letter_stays_open_when_the_list_reloads(jobs: Jobs, page: Page) -> None:
    jobs.start(5)
    jobs.wait_for("failed", 1)
    page.goto(f"{jobs.url}/_stepflow/dead-letters")
    expect(page.get_by_test_id("live")).to_have_attribute("data-state", "ready")
    page.get_by_test_id("dead-letter-row").get_by_test_id("details").click()
    detail = page.get_by_test_id("dead-letter-detail")
    expect(detail).to_contain_text('"n": 5')

    jobs.start(6)  # a new dead letter: the list reloads live
    expect(page.get_by_test_id("dead-letter-row")).to_have_count(2)
    expect(detail).to_have_count(1)
    expect(detail).to_be_visible()
    expect(detail).to_contain_text('"n": 5')


def test_purge_drops_a_dead_letter_once_confirmed(jobs: Jobs, page: Page) -> None:
    jobs.start(9)
    jobs.wait_for("failed", 1)
    page.goto(f"{jobs.url}/_stepflow/dead-letters")
    row = page.get_by_test_id("dead-letter-row")
    expect(row).to_have_count(1)
    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_test_id("purge").click()
    expect(page.get_by_test_id("notice")).to_have_text("Purged 1 letter.")
    expect(page.get_by_test_id("dead-letter-row")).to_have_count(0)
    assert httpx.get(f"{jobs.url}/_stepflow/api/dead-letters").json()["total"] == 0


def test_the_dead_letters_page_keeps_its_offset_in_the_address(jobs: Jobs, page: Page) -> None:
    jobs.start(1)
    jobs.start(2)
    jobs.wait_for("failed", 2)
    page.goto(f"{jobs.url}/_stepflow/dead-letters?limit=1&offset=9")
    info = page.get_by_test_id("pager-info")
    expect(info).to_have_text("2–2 of 2")  # past the end: the last page
    expect(page).to_have_url(f"{jobs.url}/_stepflow/dead-letters?offset=1&limit=1")
    page.get_by_test_id("pager-prev").click()
    expect(info).to_have_text("1–1 of 2")
    expect(page).to_have_url(f"{jobs.url}/_stepflow/dead-letters?limit=1")
    page.reload()
    expect(info).to_have_text("1–1 of 2")


# -- logs and state ------------------------------------------------------------------------


def test_the_logs_view_shows_one_traces_records(hello: str, page: Page) -> None:
    ada = greet(hello, "Ada")
    bob = greet(hello, "Bob")
    settled(hello, ada)
    settled(hello, bob)
    page.goto(f"{hello}/_stepflow/logs?trace_id={ada}")
    expect(page.get_by_test_id("filter-trace")).to_have_value(ada)
    rows = page.get_by_test_id("log-row")
    expect(rows).to_have_count(3)
    expect(rows.locator("td.message")).to_have_text(
        ["greeting stored", "greeting composed", "greeting requested"]  # newest first
    )
    links = page.get_by_test_id("log-trace-link")
    for i in range(3):
        expect(links.nth(i)).to_have_attribute("href", f"/_stepflow/traces/{ada}")
    links.first.click()
    expect(page).to_have_url(f"{hello}/_stepflow/traces/{ada}")
    expect(page.get_by_test_id("span-row")).to_have_count(3)


def test_the_logs_view_tails_new_records(hello: str, page: Page) -> None:
    page.goto(f"{hello}/_stepflow/logs?step=RememberGreeting")
    expect(page.get_by_test_id("live")).to_have_attribute("data-state", "ready")
    rows = page.get_by_test_id("log-row")
    expect(rows).to_have_count(0)
    for n, name in enumerate(("Ada", "Bob"), start=1):
        trace_id = greet(hello, name)
        expect(rows).to_have_count(n)
        expect(rows.first.get_by_test_id("log-trace-link")).to_have_attribute(
            "href", f"/_stepflow/traces/{trace_id}"
        )
    expect(rows.locator("td.message")).to_have_text(["greeting stored"] * 2)


def test_the_logs_tail_leaves_no_gap_when_more_than_a_page_arrives(hello: str, page: Page) -> None:
    page.goto(f"{hello}/_stepflow/logs?step=RememberGreeting")
    expect(page.get_by_test_id("live")).to_have_attribute("data-state", "ready")
    rows = page.get_by_test_id("log-row")
    greet(hello, "Ada")
    expect(rows).to_have_count(1)
    page.get_by_test_id("live-pause").check()
    last = ""
    for n in range(205):  # more than the 200 a tail fetches at once
        last = greet(hello, f"n{n}")
    settled(hello, last)
    page.get_by_test_id("live-pause").uncheck()
    expect(page.get_by_test_id("log-count")).to_have_text("200 of 206 records")
    page.get_by_test_id("load-older").click()
    expect(page.get_by_test_id("log-count")).to_have_text("206 of 206 records")
    seqs = rows.evaluate_all("rows => rows.map(r => Number(r.dataset.seq))")
    assert len(set(seqs)) == 206 and seqs == sorted(seqs, reverse=True)


def test_the_state_view_shows_a_group_and_its_keys(hello: str, page: Page) -> None:
    settled(hello, greet(hello, "Ada"))
    page.goto(f"{hello}/_stepflow/state")
    group = page.locator("[data-testid=state-group][data-group=greetings]")
    expect(group).to_contain_text("1")
    group.get_by_role("link", name="greetings").click()
    expect(page).to_have_url(f"{hello}/_stepflow/state?group=greetings")
    expect(page.locator("[data-testid=state-key][data-key=Ada]")).to_contain_text("Hello, Ada!")


def test_the_state_view_shows_a_group_whose_name_has_a_slash(jobs: Jobs, page: Page) -> None:
    jobs.fixed.write_text("fixed")
    jobs.start(4)
    jobs.wait_for("ok", 1)
    page.goto(f"{jobs.url}/_stepflow/state")
    page.get_by_role("link", name="jobs/done").click()
    expect(page).to_have_url(f"{jobs.url}/_stepflow/state?group=jobs%2Fdone")
    expect(page.get_by_test_id("state-key")).to_have_count(1)
    expect(page.locator("[data-testid=state-key][data-key='4']")).to_contain_text("done")


GROUPS_A_PATH_CANNOT_HOLD = (".", "..", "a/b", "")
"""State group names that a URL path loses: dot segments (which browsers remove, even
percent-encoded), a slash, and nothing at all."""


def test_every_state_group_is_served_by_name_in_the_query(stash: Stash) -> None:
    for group in GROUPS_A_PATH_CANNOT_HOLD:
        stash.put(group, "k", f"in {group!r}")
    for group in GROUPS_A_PATH_CANNOT_HOLD:
        response = httpx.get(f"{stash.url}/_stepflow/api/state", params={"group": group})
        assert response.status_code == 200, response.text
        assert response.json() == {"group": group, "values": {"k": f"in {group!r}"}}


def test_the_state_groups_are_listed_without_a_group_in_the_query(stash: Stash) -> None:
    for group in GROUPS_A_PATH_CANNOT_HOLD:
        stash.put(group, "k", "v")
    listed = httpx.get(f"{stash.url}/_stepflow/api/state").json()
    assert listed == {"groups": {"": 1, ".": 1, "..": 1, "a/b": 1}}


@pytest.mark.parametrize(
    ("group", "address"), [(".", "group=."), ("..", "group=.."), ("a/b", "group=a%2Fb")]
)
def test_the_state_view_opens_a_group_a_path_cannot_hold(
    stash: Stash, page: Page, group: str, address: str
) -> None:
    for name in (".", "..", "a/b", "a"):
        stash.put(name, f"key of {name}", f"value of {name}")
    page.goto(f"{stash.url}/_stepflow/state")
    page.locator("[data-testid=state-group]").get_by_role("link", name=group, exact=True).click()
    expect(page).to_have_url(f"{stash.url}/_stepflow/state?{address}")
    expect(page.get_by_test_id("state-key")).to_have_count(1)
    key = page.get_by_test_id("state-key")
    expect(key).to_have_attribute("data-key", f"key of {group}")
    expect(key).to_contain_text(f"value of {group}")
    expect(page.get_by_test_id("error")).to_have_count(0)


def test_the_state_view_opens_the_group_with_an_empty_name(stash: Stash, page: Page) -> None:
    stash.put("", "key of nothing", "value of nothing")
    stash.put("a", "key of a", "value of a")
    page.goto(f"{stash.url}/_stepflow/state")
    page.get_by_role("link", name="(empty name)").click()
    expect(page).to_have_url(f"{stash.url}/_stepflow/state?group=")
    expect(page.get_by_test_id("state-key")).to_have_count(1)
    expect(page.get_by_test_id("state-key")).to_have_attribute("data-key", "key of nothing")


# -- addresses and navigation ----------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/_stepflow/traces",
        "/_stepflow/traces/0123abc",
        "/_stepflow/logs",
        "/_stepflow/endpoints",
        "/_stepflow/dead-letters",
        "/_stepflow/state",
        "/docs",
    ],
)
def test_a_deep_link_with_a_trailing_slash_redirects_to_the_page(hello: str, path: str) -> None:
    response = httpx.get(f"{hello}{path}/?step=SayHello&q=a%2Fb")
    assert response.status_code == 307
    assert response.headers["location"] == f"{path}?step=SayHello&q=a%2Fb"
    followed = httpx.get(f"{hello}{path}/", follow_redirects=True)
    assert followed.status_code == 200
    assert followed.headers["content-type"].startswith("text/html")
    assert str(followed.url) == f"{hello}{path}"


def test_back_returns_to_the_view_before(hello: str, page: Page) -> None:
    trace_id = greet(hello, "Ada")
    settled(hello, trace_id)
    page.goto(f"{hello}/_stepflow/")
    expect(page.get_by_test_id("node-SayHello")).to_be_visible()
    page.evaluate("window.sameDocument = true")
    page.locator("#nav a[data-section=traces]").click()
    page.get_by_test_id("trace-row").click()
    expect(page.get_by_test_id("trace-id")).to_have_text(trace_id)
    page.get_by_test_id("trace-logs-link").click()
    expect(page.get_by_test_id("filter-trace")).to_have_value(trace_id)

    page.go_back()
    expect(page).to_have_url(f"{hello}/_stepflow/traces/{trace_id}")
    expect(page.get_by_test_id("trace-id")).to_have_text(trace_id)
    page.go_back()
    expect(page).to_have_url(f"{hello}/_stepflow/traces")
    expect(page.get_by_test_id("trace-row")).to_have_count(1)
    page.go_back()
    expect(page).to_have_url(f"{hello}/_stepflow/")
    expect(page.get_by_test_id("node-SayHello")).to_be_visible()
    page.go_forward()
    expect(page.get_by_test_id("trace-row")).to_have_count(1)
    assert page.evaluate("window.sameDocument") is True


def test_an_unknown_status_in_the_address_is_dropped_and_said_so(hello: str, page: Page) -> None:
    settled(hello, greet(hello, "Ada"))
    page.goto(f"{hello}/_stepflow/traces?status=bogus")
    expect(page.get_by_test_id("filter-notice")).to_have_text(
        "No status “bogus”: not filtered by it."
    )
    expect(page.get_by_test_id("filter-status")).to_have_value("")
    expect(page.get_by_test_id("trace-row")).to_have_count(1)
    expect(page).to_have_url(f"{hello}/_stepflow/traces")
    expect(page.get_by_test_id("error")).to_have_count(0)


def test_an_unknown_step_in_the_address_is_dropped_and_said_so(hello: str, page: Page) -> None:
    settled(hello, greet(hello, "Ada"))
    page.goto(f"{hello}/_stepflow/logs?step=Nope&q=greeting")
    expect(page.get_by_test_id("filter-notice")).to_have_text("No step “Nope”: not filtered by it.")
    expect(page.get_by_test_id("filter-step")).to_have_value("")
    expect(page.get_by_test_id("log-row")).to_have_count(3)
    expect(page).to_have_url(f"{hello}/_stepflow/logs?q=greeting")


def _no_step_list(page: Page) -> None:
    """The page's GET /_stepflow/api/flows fails, as a server in trouble answers it."""
    page.route(
        "**/_stepflow/api/flows",
        lambda route: route.fulfill(status=500, json={"detail": "internal error"}),
    )


NO_STEP_LIST = (
    "The list of steps could not be loaded (500: internal error): filtered by step “{}” as given."
)


def test_a_step_in_the_address_is_not_called_unknown_when_the_step_list_fails(
    hello: str, page: Page
) -> None:
    _no_step_list(page)
    page.goto(f"{hello}/_stepflow/traces?step=SayHello")
    expect(page.get_by_test_id("filter-notice")).to_have_text(NO_STEP_LIST.format("SayHello"))
    expect(page.get_by_test_id("filter-step")).to_have_value("SayHello")
    expect(page).to_have_url(f"{hello}/_stepflow/traces?step=SayHello")


def test_a_step_in_the_address_still_filters_the_traces_when_the_step_list_fails(
    hello: str, page: Page
) -> None:
    settled(hello, greet(hello, "Ada"))  # one trace, of no step called Nope
    _no_step_list(page)
    with page.expect_request(re.compile(r"/_stepflow/api/traces\?")) as listed:
        page.goto(f"{hello}/_stepflow/traces?step=Nope")
    assert parse_qs(urlsplit(listed.value.url).query)["step"] == ["Nope"]
    expect(page.get_by_test_id("trace-table")).to_contain_text("No traces match.")
    expect(page.get_by_test_id("trace-row")).to_have_count(0)


def test_a_step_in_the_logs_address_is_kept_when_the_step_list_fails(
    hello: str, page: Page
) -> None:
    settled(hello, greet(hello, "Ada"))
    _no_step_list(page)
    page.goto(f"{hello}/_stepflow/logs?step=ComposeGreeting")
    expect(page.get_by_test_id("filter-notice")).to_have_text(
        NO_STEP_LIST.format("ComposeGreeting")
    )
    expect(page.get_by_test_id("log-row")).to_have_count(1)
    expect(page.get_by_test_id("log-row")).to_contain_text("ComposeGreeting")


def test_a_level_in_the_address_is_read_in_any_case(hello: str, page: Page) -> None:
    settled(hello, greet(hello, "Ada"))
    page.goto(f"{hello}/_stepflow/logs?level=info")
    expect(page.get_by_test_id("filter-level")).to_have_value("INFO")
    expect(page.get_by_test_id("log-row")).to_have_count(3)
    expect(page.get_by_test_id("filter-notice")).to_be_hidden()
    expect(page.get_by_test_id("error")).to_have_count(0)


def test_a_search_over_500_characters_in_the_address_is_cut_and_said_so(
    hello: str, page: Page
) -> None:
    page.goto(f"{hello}/_stepflow/traces?q={'a' * 600}")
    notice = page.get_by_test_id("filter-notice")
    expect(notice).to_have_text("The search was cut to its first 500 characters.")
    expect(page.get_by_test_id("filter-q")).to_have_value("a" * 500)
    expect(page).to_have_url(f"{hello}/_stepflow/traces?q={'a' * 500}")
    expect(page.get_by_test_id("trace-table")).to_contain_text("No traces match.")
    expect(page.get_by_test_id("error")).to_have_count(0)


# -- errors and the API key ------------------------------------------------------------------


def test_an_api_error_is_shown_in_words_not_a_blank_page(hello: str, page: Page) -> None:
    detail = [{"loc": ["query", "level"], "msg": "Input should be 'DEBUG' or 'INFO'"}]
    page.route(
        "**/_stepflow/api/logs?*", lambda route: route.fulfill(status=422, json={"detail": detail})
    )
    page.goto(f"{hello}/_stepflow/logs")
    expect(page.get_by_test_id("error")).to_have_text(
        "422: level: Input should be 'DEBUG' or 'INFO'"
    )


def test_a_server_with_an_api_key_asks_for_it(tmp_path: Path, page: Page) -> None:
    with workbench(HELLO, tmp_path / "x.db", api_key="s3cret") as url:
        page.goto(f"{url}/_stepflow/")
        form = page.get_by_test_id("key-form")
        expect(form).to_be_visible()
        form.get_by_test_id("key-input").fill("s3cret")
        form.get_by_test_id("key-submit").click()
        expect(page.get_by_test_id("node-SayHello")).to_be_visible()
        expect(page).to_have_url(f"{url}/_stepflow/")  # the key left the address
        expect(page.get_by_test_id("key-form")).to_have_count(0)
        page.close()  # before the server stops


def _open_with_key(page: Page, url: str) -> None:
    """Open the Workbench once with `?key=`, as a user given that link would."""
    page.goto(f"{url}/_stepflow/?key=s3cret")
    expect(page.get_by_test_id("node-SayHello")).to_be_visible()


def test_an_endpoint_form_sends_the_key_the_workbench_was_opened_with(
    tmp_path: Path, page: Page
) -> None:
    with workbench(HELLO, tmp_path / "x.db", api_key="s3cret") as url:
        _open_with_key(page, url)
        page.goto(f"{url}/_stepflow/endpoints")  # a new page: the key no longer in the address
        form = page.get_by_test_id("endpoint-SayHello")
        form.get_by_test_id("body").fill('{"name": "Ada"}')
        form.get_by_test_id("send").click()
        expect(form.get_by_test_id("response-status")).to_have_text("202")
        page.close()  # before the server stops


KEY_HELD = (
    "This browser's session holds the API key: with none typed here, the request is sent with it."
)


def test_a_new_tab_sends_an_endpoint_form_with_the_key_its_session_holds(
    tmp_path: Path, page: Page
) -> None:
    with workbench(HELLO, tmp_path / "x.db", api_key="s3cret") as url:
        _open_with_key(page, url)
        tab = page.context.new_page()  # a tab of its own: nothing in its sessionStorage
        tab.goto(f"{url}/_stepflow/endpoints")
        form = tab.get_by_test_id("endpoint-SayHello")
        expect(form.get_by_test_id("api-key")).to_have_value("")
        expect(form.get_by_test_id("key-held")).to_have_text(KEY_HELD)
        form.get_by_test_id("body").fill('{"name": "Ada"}')
        form.get_by_test_id("send").click()
        expect(form.get_by_test_id("response-status")).to_have_text("202")
        expect(tab.get_by_test_id("key-form")).to_have_count(0)
        tab.close()
        page.close()  # before the server stops


def test_a_new_tab_opens_without_the_key_in_reach_of_its_scripts(
    tmp_path: Path, page: Page
) -> None:
    with workbench(HELLO, tmp_path / "x.db", api_key="s3cret") as url:
        _open_with_key(page, url)
        tab = page.context.new_page()
        tab.goto(f"{url}/_stepflow/endpoints")
        expect(tab.get_by_test_id("endpoint-SayHello").get_by_test_id("key-held")).to_be_visible()
        seen = tab.evaluate(
            "[document.cookie, sessionStorage.length, localStorage.length, location.href]"
        )
        assert seen == ["", 0, 0, f"{url}/_stepflow/endpoints"]
        tab.close()
        page.close()  # before the server stops


# -- a narrow window -------------------------------------------------------------------------


def test_every_nav_link_can_be_reached_400_pixels_wide(hello: str, page: Page) -> None:
    page.set_viewport_size({"width": 400, "height": 800})
    page.goto(f"{hello}/_stepflow/")
    links = page.locator("#nav a")
    expect(links).to_have_count(7)
    for i in range(7):
        links.nth(i).scroll_into_view_if_needed()
        expect(links.nth(i)).to_be_in_viewport()


def test_a_span_label_sits_above_its_bar_400_pixels_wide(hello: str, page: Page) -> None:
    trace_id = greet(hello, "Ada")
    settled(hello, trace_id)
    page.set_viewport_size({"width": 400, "height": 800})
    page.goto(f"{hello}/_stepflow/traces/{trace_id}")
    rows = page.get_by_test_id("span-row")
    expect(rows).to_have_count(3)
    boxes = rows.evaluate_all(
        """rows => rows.map((row) => {
            const label = row.querySelector(".span-label").getBoundingClientRect();
            const track = row.querySelector(".track").getBoundingClientRect();
            return { below: track.top >= label.bottom, width: track.width };
        })"""
    )  # in one go: a live reload may redraw the rows between two look-ups
    assert [box["below"] for box in boxes] == [True] * 3
    assert min(box["width"] for box in boxes) >= 250
