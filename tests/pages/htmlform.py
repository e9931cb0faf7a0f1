"""Read pages like a browser without JavaScript: forms, their controls, labels, ids."""
from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Control:
    tag: str
    attrs: dict[str, str | None]
    options: list[tuple[str, bool, str]] = field(default_factory=list)   # (value, selected, text)
    text: str = ""

    @property
    def name(self) -> str | None:
        return self.attrs.get("name")

    @property
    def type(self) -> str:
        return (self.attrs.get("type") or ("text" if self.tag == "input" else self.tag)).lower()


@dataclass
class ParsedForm:
    attrs: dict[str, str | None]
    controls: list[Control] = field(default_factory=list)

    def data(self, button: tuple[str, str] | None = None) -> list[tuple[str, str]]:
        """What the browser would submit, pressing `button` (name, value)."""
        out: list[tuple[str, str]] = []
        for c in self.controls:
            name = c.name
            if not name or "disabled" in c.attrs:
                continue
            if c.tag == "input":
                if c.type in ("checkbox", "radio"):
                    if "checked" in c.attrs:
                        out.append((name, c.attrs.get("value") or "on"))
                elif c.type in ("submit", "button", "image", "reset"):
                    continue
                else:
                    out.append((name, c.attrs.get("value") or ""))
            elif c.tag == "select":
                chosen = [o for o in c.options if o[1]] or c.options[:1]
                out.extend((name, o[0]) for o in chosen)
            elif c.tag == "textarea":
                text = c.text[1:] if c.text.startswith("\n") else c.text
                out.append((name, text))
        if button:
            out.append(button)
        return out

    def buttons(self) -> list[Control]:
        return [c for c in self.controls if c.tag == "button"]


class PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[ParsedForm] = []
        self.ids: list[str] = []
        self.labels_for: list[str] = []
        self.headings: list[int] = []
        self.tags: list[tuple[str, dict]] = []
        self._form: ParsedForm | None = None
        self._select: Control | None = None
        self._option: list | None = None
        self._textarea: Control | None = None
        self._button: Control | None = None

    def handle_starttag(self, tag: str, attrs_list: list) -> None:
        attrs = dict(attrs_list)
        self.tags.append((tag, attrs))
        if "id" in attrs:
            self.ids.append(attrs["id"])
        if tag == "label" and attrs.get("for"):
            self.labels_for.append(attrs["for"])
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            self.headings.append(int(tag[1]))
        if tag == "form":
            self._form = ParsedForm(attrs)
            self.forms.append(self._form)
            return
        if self._form is None:
            return
        if tag == "input":
            self._form.controls.append(Control("input", attrs))
        elif tag == "select":
            self._select = Control("select", attrs)
            self._form.controls.append(self._select)
        elif tag == "option" and self._select is not None:
            self._option = [attrs.get("value"), "selected" in attrs, ""]
            self._select.options.append(self._option)  # type: ignore[arg-type]
        elif tag == "textarea":
            self._textarea = Control("textarea", attrs)
            self._form.controls.append(self._textarea)
        elif tag == "button":
            self._button = Control("button", attrs)
            self._form.controls.append(self._button)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select":
            if self._select is not None:
                self._select.options = [(o[0] if o[0] is not None else o[2], o[1], o[2]) for o in self._select.options]
            self._select = None
        elif tag == "option":
            self._option = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "button":
            self._button = None

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea.text += data
        if self._option is not None:
            self._option[2] += data
        if self._button is not None:
            self._button.text += data


def parse(html: str) -> PageParser:
    p = PageParser()
    p.feed(html)
    p.close()
    return p
