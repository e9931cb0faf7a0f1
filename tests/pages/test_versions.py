"""The author's rule base version pages: history, activation from the directory, refusal, rollback, diff."""
from __future__ import annotations

import re
import shutil

import pytest
from fastapi.testclient import TestClient

from service.app import create_app

from .conftest import REPO, USERS, make_settings
from .helpers import XSS

POLICY = "policy/people.yaml"
ORIGIN = {"origin": "http://testserver"}


@pytest.fixture(scope="module")
def rules_dir(tmp_path_factory):
    target = tmp_path_factory.mktemp("versions-rules") / "rules"
    shutil.copytree(REPO / "tests" / "fixtures" / "mini", target)
    return target


@pytest.fixture(scope="module")
def vapp(tmp_path_factory, rules_dir):
    return create_app(make_settings(tmp_path_factory.mktemp("versions")).model_copy(update={"rules_dir": rules_dir}))


@pytest.fixture(scope="module")
def vclient(vapp):
    with TestClient(vapp) as c:
        yield c


def _edit(rules_dir, old: str | None, new: str) -> None:
    path = rules_dir / POLICY
    text = path.read_text(encoding="utf-8")
    path.write_text(text + new if old is None else text.replace(old, new, 1), encoding="utf-8")


def test_activate_from_the_directory_then_diff_and_roll_back(vclient, vapp, rules_dir):
    first = vapp.state.activator.current.version
    page = vclient.get("/rules/versions")
    assert page.status_code == 200 and first in page.text and 'id="activate-form"' in page.text
    _edit(rules_dir, None, f"\n# {XSS}\n")
    r = vclient.post("/rules/versions/activate", data={"note": "from the page"}, headers=ORIGIN,
                     follow_redirects=False)
    assert r.status_code == 303, r.text
    second = vapp.state.activator.current.version
    assert second != first
    page = vclient.get(r.headers["location"])
    assert f"{second} is serving" in page.text
    history = page.text.split('id="history"', 1)[1]
    assert re.search(rf"{re.escape(second)}</td>\s*<td[^>]*>activate</td>\s*<td[^>]*>local</td>\s*"
                     rf"<td[^>]*>from the page</td>", history)
    diff = vclient.get("/rules/diff", params={"a": first, "b": second})
    assert diff.status_code == 200
    assert XSS not in diff.text and '<span class="add">+# &lt;script&gt;alert(1)&lt;/script&gt;</span>' in diff.text
    assert f"--- a/{POLICY}@{first}" in diff.text and "Unchanged:" in diff.text
    r = vclient.post("/rules/versions/rollback", data={"version": first, "note": "back to the pilot's rules",
                                                       "confirm": "yes"}, headers=ORIGIN, follow_redirects=False)
    assert r.status_code == 303 and vapp.state.activator.current.version == first
    assert vclient.get("/rules/diff", params={"a": first, "b": "nope"}).status_code == 404


def test_a_refused_activation_shows_every_error_and_the_old_version_keeps_serving(vclient, vapp, rules_dir):
    serving = vapp.state.activator.current
    _edit(rules_dir, "for_each: stakeholder", "for_each: stakeholdr")
    try:
        r = vclient.post("/rules/versions/activate", data={}, headers=ORIGIN)
    finally:
        _edit(rules_dir, "for_each: stakeholdr", "for_each: stakeholder")
    assert r.status_code == 422
    refused = r.text.split('id="refused"', 1)[1].split("</section>", 1)[0]
    assert f"{serving.version} keeps serving" in refused
    assert re.search(rf"<code>{re.escape(POLICY)}:\d+: [^<]*for_each", refused)
    assert vapp.state.activator.current is serving


def test_forms_from_another_site_are_refused(vclient, vapp):
    serving = vapp.state.activator.current
    r = vclient.post("/rules/versions/activate", data={}, headers={"origin": "http://evil.example"})
    assert r.status_code == 403 and vapp.state.activator.current is serving


def test_roles(token_client):
    def as_(name):
        return {"Authorization": f"Bearer {USERS[name][1]}"}
    assert token_client.get("/rules/versions", headers=as_("mara")).status_code == 403
    auditor = token_client.get("/rules/versions", headers=as_("aldo"))
    assert auditor.status_code == 200 and 'id="activate-form"' not in auditor.text and "Roll back" not in auditor.text
    assert 'id="activate-form"' in token_client.get("/rules/versions", headers=as_("ada")).text
    r = token_client.post("/rules/versions/activate", data={}, headers={**as_("aldo"), **ORIGIN})
    assert r.status_code == 403
