"""Helpers for the page tests: submit the context form as a browser without JavaScript would."""
from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import urlencode

from service.pages import forms

from .htmlform import parse

REPO = Path(__file__).resolve().parents[2]
XSS = "<script>alert(1)</script>"


def genoa() -> dict:
    return json.loads((REPO / "examples" / "pilots" / "genoa.json").read_text(encoding="utf-8"))


def context_form(html: str):
    page = parse(html)
    return next(f for f in page.forms if f.attrs.get("id") == "context-form")


def submit(client, raw_or_html, button=("action", "evaluate")):
    """Submit the context form as a browser would, pressing `button`."""
    if isinstance(raw_or_html, str):
        data = context_form(raw_or_html).data(button)
    else:
        data = context_form(render_raw(client, raw_or_html)).data(button)
    return post_form(client, "/evaluate", data)


def post_form(client, url, data):
    return client.post(url, content=urlencode(data), follow_redirects=False,
                       headers={"content-type": "application/x-www-form-urlencoded"})


def render_raw(client, raw):
    """The form prefilled with a raw tree, as the server renders it (a post with no known action)."""
    data = []
    for f in forms.build_form(raw).all_fields():
        if f.widget == "checkbox":
            if f.value == "true":
                data.append((f.path, "true"))
        elif f.widget == "checkboxes":
            data.extend((f.path, v) for v in f.value)
        else:
            data.append((f.path, f.value))
    for name, value in raw.items():
        if isinstance(value, list) and value and isinstance(value[0], dict):
            data.append((f"{name}.__count", str(len(value))))
    data.append(("action", "noop"))
    r = post_form(client, "/evaluate", data)
    assert r.status_code == 200, r.text
    return r.text


def evaluate(client, context: dict) -> str:
    """Evaluate a context through the form; return the decision id."""
    r = submit(client, forms.raw_from_context(context))
    assert r.status_code == 303, r.text[:3000]
    m = re.search(r"/decisions/([^/?#]+)$", r.headers["location"])
    assert m, r.headers["location"]
    return m.group(1)
