"""The policy as Markdown and as a standalone HTML page, both from the one PolicyDocument."""

from __future__ import annotations

from html import escape

from coachwire.policy.document import PolicyDocument


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown(doc: PolicyDocument) -> str:
    out = [f"# {doc.title}", "",
           f"Version `{doc.version}`, effective {doc.effective_date.isoformat()}. Questions: {doc.contact}.", "",
           doc.summary, "",
           "## What each recommendation feature uses", "",
           "| Feature | What it does | Your data it uses | Other inputs |", "| --- | --- | --- | --- |"]
    for f in doc.features:
        out.append(f"| `{f.feature}` | {_cell(f.description)} | {_cell('; '.join(f.personal_data) or 'none')} | "
                   f"{_cell('; '.join(f.other_inputs) or 'none')} |")
    core = doc.core_programme
    out += ["", "### With personalisation off", "", core.description, "",
            "Used: " + "; ".join(core.personal_data) + ".", "", "Not used: " + "; ".join(core.not_used) + ".", "",
            "### Never used", "", *(f"- {line}" for line in doc.never_used), "",
            "## Automated processing", "",
            "| Step | When | What happens | Reads | Writes |", "| --- | --- | --- | --- | --- |"]
    for p in doc.processing:
        out.append(f"| `{p.name}` | {_cell(p.when)} | {_cell(p.what)} | {_cell(', '.join(p.reads))} | "
                   f"{_cell(', '.join(p.writes))} |")
    out += ["", "## How long data is kept", "",
            "| Data | What it holds | Kept | How | Erased on leaving |", "| --- | --- | --- | --- | --- |"]
    for r in doc.retention:
        out.append(f"| {_cell(r.name)} | {_cell(r.holds)} | {_cell(r.kept)} | {_cell(r.enforcement)} | "
                   f"{'yes' if r.erased_on_leaving else 'no'} |")
    out += ["", "### When you leave", "", doc.erasure, "", doc.audit_log_after_erasure, "",
            "## Who can see what", "", "| What | How | Who |", "| --- | --- | --- |"]
    for a in doc.access:
        out.append(f"| {_cell(a.what)} | `{_cell(a.how)}` | {_cell(', '.join(a.who) or 'nobody')} |")
    out += ["", "## Your rights", ""]
    for right in doc.rights:
        out += [f"### {right.right}", "", f"`{right.how}`", "", right.details, ""]
    return "\n".join(out)


_STYLE = ("body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;line-height:1.5;"
          "color:#222}table{border-collapse:collapse;width:100%;margin:1rem 0}th,td{border:1px solid #ccc;"
          "padding:.4rem;vertical-align:top;text-align:left}th{background:#f3f3f3}code{background:#f3f3f3;"
          "padding:0 .2rem}")


def _table(headers: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def html(doc: PolicyDocument) -> str:
    e = escape
    core = doc.core_programme
    parts = [
        f"<h1>{e(doc.title)}</h1>",
        f"<p>Version <code>{e(doc.version)}</code>, effective {e(doc.effective_date.isoformat())}. "
        f"Questions: {e(doc.contact)}.</p>",
        f"<p>{e(doc.summary)}</p>",
        "<h2>What each recommendation feature uses</h2>",
        _table(["Feature", "What it does", "Your data it uses", "Other inputs"],
               [[f"<code>{e(f.feature)}</code>", e(f.description), e("; ".join(f.personal_data) or "none"),
                 e("; ".join(f.other_inputs) or "none")] for f in doc.features]),
        "<h3>With personalisation off</h3>", f"<p>{e(core.description)}</p>",
        f"<p>Used: {e('; '.join(core.personal_data))}.</p><p>Not used: {e('; '.join(core.not_used))}.</p>",
        "<h3>Never used</h3><ul>" + "".join(f"<li>{e(line)}</li>" for line in doc.never_used) + "</ul>",
        "<h2>Automated processing</h2>",
        _table(["Step", "When", "What happens", "Reads", "Writes"],
               [[f"<code>{e(p.name)}</code>", e(p.when), e(p.what), e(", ".join(p.reads)), e(", ".join(p.writes))]
                for p in doc.processing]),
        "<h2>How long data is kept</h2>",
        _table(["Data", "What it holds", "Kept", "How", "Erased on leaving"],
               [[e(r.name), e(r.holds), e(r.kept), e(r.enforcement), "yes" if r.erased_on_leaving else "no"]
                for r in doc.retention]),
        "<h3>When you leave</h3>", f"<p>{e(doc.erasure)}</p>", f"<p>{e(doc.audit_log_after_erasure)}</p>",
        "<h2>Who can see what</h2>",
        _table(["What", "How", "Who"], [[e(a.what), f"<code>{e(a.how)}</code>", e(", ".join(a.who) or "nobody")]
                                        for a in doc.access]),
        "<h2>Your rights</h2>",
        *(f"<h3>{e(r.right)}</h3><p><code>{e(r.how)}</code></p><p>{e(r.details)}</p>" for r in doc.rights),
    ]
    return ("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{e(doc.title)} {e(doc.version)}</title><style>{_STYLE}</style></head><body>"
            + "".join(parts) + "</body></html>")
