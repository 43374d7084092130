"""The chat page is served by the API itself, fenced to this server, and needs nothing from outside."""

import re

from server.ui import UI_DIR

IMPORT = re.compile(r'from "\./([\w./]+)"')
URL = re.compile(r"\b(?:https?:)?//[\w.-]+\.[a-z]{2,}", re.I)
SVG_NAMESPACE = "http://www.w3.org/2000/svg"  # an XML name, never fetched


def test_the_page_is_served_with_a_policy_that_allows_this_server_only(client):
    response = client.get("/")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    policy = response.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "connect-src 'self'" in policy
    assert '<script type="module" src="/ui/js/app.js">' in response.text


def test_every_script_the_page_imports_is_served(client):
    pending, seen = ["app.js"], set()
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        response = client.get(f"/ui/js/{name}")
        assert response.status_code == 200, name
        assert "javascript" in response.headers["content-type"]
        pending += IMPORT.findall(response.text)
    assert {"api.js", "chart.js", "sql_view.js", "diagnose_view.js", "qa_view.js"} <= seen


def test_no_file_of_the_ui_names_an_outside_address():
    # The vendored libraries are others' code: their XML namespaces and the links in their
    # messages are never fetched (the page's policy would refuse it, and the browser tests
    # fail on any request that leaves the machine).
    for path in UI_DIR.rglob("*"):
        if path.is_file() and UI_DIR / "vendor" not in path.parents:
            text = path.read_text().replace(SVG_NAMESPACE, "")
            assert URL.findall(text) == [], path


def test_every_vendored_library_the_page_loads_is_served_under_the_same_policy(client):
    named = set()
    for path in (UI_DIR / "js").glob("*.js"):
        named |= set(re.findall(r"[\w.-]+-\d+\.\d+\.\d+[\w.]*\.js", path.read_text()))
    assert {"vega-6.4.0.min.js", "vega-interpreter-2.3.2.js", "xlsx-0.18.5.mini.min.js"} <= named
    for name in named:
        response = client.get(f"/ui/vendor/{name}")
        assert response.status_code == 200, name
        assert "javascript" in response.headers["content-type"]
        assert "script-src 'self'" in response.headers["content-security-policy"]
        assert name in (UI_DIR / "vendor" / "README.md").read_text()


def test_the_api_keeps_its_own_paths_and_errors(client):
    assert client.get("/api/v1/connections").status_code == 200
    missing = client.get("/api/v1/nowhere")
    assert missing.status_code == 404 and "content-security-policy" not in missing.headers
    assert client.get("/ui/nothing.js").status_code == 404


def test_scripts_carry_the_same_policy(client):
    assert "default-src 'self'" in client.get("/ui/js/app.js").headers["content-security-policy"]
