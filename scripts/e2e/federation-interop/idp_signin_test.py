"""The console's "Sign in with <IdP>" in headless Chromium (Debian's) against oidc-provider-mock: the button, the
IdP's own form, and back to the console signed in with the role the person's groups map to. Asserts the session
token never appears in any URL the browser requested or in the address bar, the one-time code leaves the address
bar, and a code planted in another tab (no PKCE verifier there) signs nobody in. Run by scripts/e2e/federation-interop/run.

usage: idp_signin_test.py ADDR SUBJECT EXPECTED_ROLE CHROMIUM SCREENSHOT_DIR
"""
import sys

from playwright.sync_api import expect, sync_playwright

addr, subject, role, chromium, shots = sys.argv[1:6]

with sync_playwright() as p:
    browser = p.chromium.launch(executable_path=chromium, headless=True, args=["--no-sandbox"])
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    requested = []
    page.on("request", lambda r: requested.append(r.url))

    page.goto(addr + "/console/")
    button = page.locator("#idp-signin")
    expect(button).to_be_visible()
    expect(button).to_have_text("Sign in with Example IdP")
    expect(page.locator("#nav")).to_be_hidden()  # nothing of the console shows before sign-in
    expect(page.locator("#signin-form")).to_be_visible()  # the token form stays for the bootstrap admin
    page.screenshot(path=f"{shots}/idp-signin-button.png", full_page=True)
    button.click()

    # oidc-provider-mock's authorization form: a subject, then Authorize.
    page.wait_for_selector("#subject-input")
    assert "/auth/login" not in page.url and "code_challenge=" in page.url, page.url
    page.fill("#subject-input", subject)
    page.click("form:has(#subject-input) button[type=submit]")

    expect(page.locator("#who")).to_contain_text(f"({role})", timeout=20000)
    session = page.evaluate("sessionStorage.getItem('tessera.console.token')")
    assert session, "no session stored"
    assert page.evaluate("sessionStorage.getItem('tessera.console.pkce')") is None, "the verifier outlived its use"
    assert "#code=" not in page.url and "code=" not in page.url, page.url
    assert all(session not in url for url in requested), "the session token appeared in a URL"
    assert any("#code=" in url or "/console/" in url for url in requested)
    expect(page.locator("#main")).to_be_visible()
    page.screenshot(path=f"{shots}/idp-signed-in.png", full_page=True)
    print(f"console IdP sign-in: {page.locator('#who').inner_text()}")

    # A one-time code opened in another tab that did not start the sign-in (login CSRF, a copied link) signs
    # nobody in: that tab holds no PKCE verifier.
    other = context.new_page()
    other.goto(addr + "/console/#code=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
    expect(other.locator("#signin-error")).to_contain_text("not started in this tab")
    assert other.evaluate("sessionStorage.getItem('tessera.console.token')") is None
    assert "#code=" not in other.url, other.url

    assert not errors, errors
    browser.close()
print("console IdP sign-in in Chromium: OK")
