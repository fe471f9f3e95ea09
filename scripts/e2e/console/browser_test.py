"""Drives the Tessera web console in headless Chromium (Debian's, not a downloaded one) and asserts on what a
person sees. Run by scripts/e2e/console/run, which starts the server and seeds it.

usage: browser_test.py ADDR ADMIN_TOKEN TASK_ID CHROMIUM SCREENSHOT_DIR
"""
import json
import re
import sys
import urllib.request

from playwright.sync_api import expect, sync_playwright

addr, admin_token, task_id, chromium, shots = sys.argv[1:6]
console_errors = []


def api(path, method="GET", body=None):
    request = urllib.request.Request(addr + path, method=method, data=json.dumps(body).encode() if body is not None else None,
                                     headers={"Authorization": "Bearer " + admin_token, "Content-Type": "application/json"})
    return json.load(urllib.request.urlopen(request))


def shot(page, name):
    page.screenshot(path=f"{shots}/{name}.png", full_page=True)
    print(f"  screenshot {name}.png")


with sync_playwright() as p:
    browser = p.chromium.launch(executable_path=chromium, headless=True, args=["--no-sandbox"])
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: console_errors.append(str(e)))
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))

    # / redirects to the console, served with a strict CSP; nothing is shown before sign-in.
    response = page.goto(addr + "/")
    assert page.url == addr + "/console/", page.url
    csp = response.headers.get("content-security-policy", "")
    assert "script-src 'self'" in csp and "default-src 'none'" in csp and "unsafe-inline" not in csp, csp
    expect(page.locator("#signin")).to_be_visible()
    expect(page.locator("#main")).to_be_hidden()

    # A wrong token is refused; the real one signs in and stays in sessionStorage only, never in the URL.
    page.fill("#token", "tsr_admin_not-a-real-token")
    page.click("#signin-form button[type=submit]")
    expect(page.locator("#signin-error")).to_contain_text("not accepted")
    page.fill("#token", admin_token)
    page.click("#signin-form button[type=submit]")
    expect(page.locator("#who")).to_have_text("bootstrap (admin)")
    assert admin_token not in page.url
    assert page.evaluate("sessionStorage.getItem('tessera.console.token')") == admin_token
    assert page.evaluate("localStorage.length") == 0
    print("signed in")

    # Overview (docs/console.md): the first page after sign-in, charts drawn from the server's aggregates.
    expect(page.locator("#main h1")).to_have_text("Overview")
    overview = api("/v1/console/overview")
    expect(page.locator("#tile-identities .tile-value")).to_have_text(f"{overview['identities']['total']:,}")
    expect(page.locator("#tile-issued .tile-value")).to_have_text(f"{overview['activity']['last_24h']['issued']:,}")
    assert overview["identities"]["total"] >= 125, overview["identities"]
    assert overview["activity"]["last_24h"]["issued"] >= 1, overview["activity"]
    charts = page.locator("svg.chart")
    expect(charts.nth(5)).to_be_visible()  # waits: a second render may be in progress (Loading… replaces the page)
    expect(page.locator("svg.columns rect.bar").nth(23)).to_be_attached()
    assert charts.count() >= 6, charts.count()
    kinds = {p["name"]: p["count"] for p in overview["identities"]["by_kind"]}
    assert kinds.get("batch-job") == 120, kinds
    expect(page.locator("svg[aria-label='Identities by kind'] text.label").first).to_have_text("batch-job")
    shot(page, "0-overview")
    print("overview: tiles and charts match /v1/console/overview")
    page.click("#nav a[data-view=inventory]")

    # Inventory: 125 identities, 50 per page, keyset pages forward and back.
    rows = page.locator("table tbody tr")
    first_cell = page.locator("table tbody tr >> nth=0 >> td >> nth=0")
    expect(rows).to_have_count(50)
    first_page = first_cell.inner_text()
    assert "spiffe://example.org/agent" in first_page, first_page
    page.click("#next-page")
    expect(first_cell).not_to_have_text(first_page)
    second_page = first_cell.inner_text()
    assert "batch/job-" in second_page, second_page
    page.click("#next-page")
    expect(rows).to_have_count(25)  # waits for the third page (its first row reads like the second page's)
    expect(rows.first).to_contain_text("batch/job-")
    expect(page.locator("#next-page")).to_be_disabled()
    page.click("#prev-page")
    expect(first_cell).to_have_text(second_page)
    page.click("#prev-page")
    expect(first_cell).to_have_text(first_page)
    shot(page, "1-inventory")

    # Search by path prefix and filter by kind.
    page.fill("#f-q", "batch/job-11")
    page.click("#inventory-filters button[type=submit]")
    expect(rows).to_have_count(10)
    expect(rows.first).to_contain_text("spiffe://example.org/batch/job-110")
    page.fill("#f-q", "")
    page.select_option("#f-kind", "ai-agent")
    page.click("#inventory-filters button[type=submit]")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("spiffe://example.org/agent")
    shot(page, "2-inventory-search")
    print("inventory: pages, search and filters")

    # The identity page: owner, purpose, leases, recent activity, findings.
    page.click("text=spiffe://example.org/agent")
    expect(page.locator("main h1")).to_have_text("spiffe://example.org/agent")
    facts = page.locator("#identity-facts")
    expect(facts).to_contain_text("alice@example.com")
    expect(facts).to_contain_text("console test: agent")
    expect(page.locator("#identity-activity")).to_contain_text("token.issued")
    expect(page.locator("#identity-activity")).to_contain_text("tool.call.allowed")
    expect(page.locator("main table").first).to_contain_text("access_token")
    shot(page, "3-identity")
    print("identity page")

    # Markup in data is shown as text, never run.
    xss = api("/v1/identities?spiffe_id=spiffe://example.org/xss")["identities"][0]["id"]
    page.goto(addr + "/console/#/identity/" + xss)
    expect(page.locator("#identity-facts")).to_contain_text("<img src=x onerror=")
    assert page.evaluate("window.__xss") is None and page.locator("main img").count() == 0 and not dialogs

    # An identity's own findings appear on its page.
    legacy = api("/v1/identities?spiffe_id=spiffe://example.org/legacy-report")["identities"][0]["id"]
    page.goto(addr + "/console/#/identity/" + legacy)
    expect(page.locator("#identity-facts")).to_contain_text("bob@example.com")
    expect(page.locator("#identity-findings")).to_contain_text("was due for review")

    # The task page and its delegation graph: the person, the agent, the tool service, the database, the tool.
    page.click("#nav >> text=Tasks")
    page.click(f"text={task_id}")
    expect(page.locator("#task-facts")).to_contain_text("reconcile invoices")
    graph = page.locator("#task-graph")
    expect(graph).to_be_visible()
    for node in ["human:alice@example.com", "spiffe://example.org/agent", "spiffe://example.org/tool",
                 "spiffe://example.org/db", "tool:lookup"]:
        expect(graph.locator(f'g.node[data-id="{node}"]')).to_have_count(1)
    for source, target, relation in [("human:alice@example.com", "spiffe://example.org/agent", "started"),
                                     ("spiffe://example.org/agent", "spiffe://example.org/tool", "acts_for"),
                                     ("spiffe://example.org/tool", "spiffe://example.org/db", "acts_for"),
                                     ("spiffe://example.org/agent", "tool:lookup", "calls")]:
        edge = graph.locator(f'g.edge-group[data-from="{source}"][data-to="{target}"][data-relation="{relation}"]')
        expect(edge).to_have_count(1)
    # Left to right: human, then agent, then tool, then database.
    xs = [graph.locator(f'g.node[data-id="{n}"]').bounding_box()["x"] for n in
          ["human:alice@example.com", "spiffe://example.org/agent", "spiffe://example.org/tool", "spiffe://example.org/db"]]
    assert xs == sorted(xs) and len(set(xs)) == 4, xs
    expect(page.locator("#task-activity")).to_contain_text("token.issued")
    shot(page, "4-task-graph")
    print("task graph: human -> agent -> tool -> database, agent calls tool:lookup")

    # Findings: acknowledge the unrotated secret with a reason.
    page.click("#nav >> text=Findings")
    row = page.locator("tr", has_text="vault://legacy/billing-api-key")
    expect(row).to_have_count(1)
    expect(row.locator("td.status")).to_contain_text("open")
    shot(page, "5-findings")
    row.locator("button.ack").click()
    row.locator("input.reason").fill("rotation scheduled with the vault team")
    row.locator("button[type=submit]").click()
    row = page.locator("tr", has_text="vault://legacy/billing-api-key")
    expect(row.locator("td.status")).to_contain_text("acknowledged")
    expect(row.locator("td.status")).to_contain_text("rotation scheduled")
    acknowledged = [f for f in api("/v1/findings")["findings"] if f["finding"]["subject"] == "vault://legacy/billing-api-key"]
    assert acknowledged and acknowledged[0]["status"] == "acknowledged", acknowledged
    shot(page, "6-finding-acknowledged")
    print("finding acknowledged")

    # The audit timeline: chain status, filters by type prefix, subject and task, older pages.
    page.click("#nav >> text=Audit")
    expect(page.locator("#chain-status")).to_contain_text("Chain intact")
    records = page.locator("#audit-records tbody tr.record")
    expect(records.first).to_contain_text("finding.acknowledged")
    page.fill("#f-type", "token.")
    page.click("#audit-filters button[type=submit]")
    # Wait for the filtered page itself (the previous page stays visible until it is replaced).
    expect(records.first.locator("td.type")).to_contain_text("token.")
    types = records.locator("td.type").all_inner_texts()
    assert types and all(t.startswith("token.") for t in types), types
    page.fill("#f-type", "")
    page.fill("#f-task", task_id)
    page.click("#audit-filters button[type=submit]")
    expect(records.first).to_contain_text(task_id)
    assert all(task_id in r for r in records.all_inner_texts()), records.all_inner_texts()
    expect(page.locator("#audit-records")).to_contain_text("tool.call.allowed")
    page.fill("#f-task", "")
    page.click("#audit-filters button[type=submit]")
    expect(records).to_have_count(50)
    newest = int(records.first.get_attribute("data-seq"))
    page.click("#older")
    expect(records.first).not_to_have_attribute("data-seq", str(newest))
    assert int(records.first.get_attribute("data-seq")) < newest - 49
    records.first.locator("a").click()
    expect(page.locator("#audit-records tr.details:visible pre")).to_contain_text('"hash"')
    shot(page, "7-audit")
    print("audit timeline: chain intact, filters, older page")

    # Discovered identities: listed with their source; one is claimed from the console; its page shows the plan.
    page.click("#nav a[data-view=discovered]")
    expect(page.locator("#main h1")).to_have_text("Discovered identities")
    rows = page.locator("tr[data-id]")
    expect(rows).to_have_count(2)
    etl = page.locator("tr[data-id]", has_text="etl")
    expect(etl).to_contain_text("postgres")
    expect(etl).to_contain_text("discovered")
    etl.locator("button.claim").click()
    etl.locator("input.owner").fill("carol@example.com")
    etl.locator("input.purpose").fill("nightly ETL")
    etl.locator("button[type=submit]").click()
    expect(page.locator("tr[data-id]", has_text="etl")).to_contain_text("carol@example.com")
    claimed = [i for i in api("/v1/discovered?source=postgres")["identities"] if i["name"] == "etl"][0]
    assert claimed["status"] == "claimed" and claimed["claim"]["purpose"] == "nightly ETL", claimed
    page.locator("tr[data-id]", has_text="etl").locator("a").click()
    expect(page.locator("#plan-summary")).to_contain_text("PostgreSQL role etl")
    expect(page.locator("#plan-steps")).to_contain_text('GRANT \\"app_rw\\" TO {{name}}')
    expect(page.locator("#external-facts")).to_contain_text("carol@example.com")
    page.goto(addr + "/console/#/discovered")
    expect(page.locator("tr[data-id]")).to_have_count(2)
    assert page.evaluate("window.__xss") is None, "markup in a discovered name ran"
    shot(page, "8-discovered")
    print("discovered identities: listed, claimed in the console, plan shown")

    # Sign out forgets the token.
    page.click("#signout")
    expect(page.locator("#signin")).to_be_visible()
    assert page.evaluate("sessionStorage.getItem('tessera.console.token')") is None

    # A CSP violation or script error would have been logged to the console.
    problems = [e for e in console_errors if "401" not in e]
    assert not problems, problems
    browser.close()
