"""``GET /docs``: a self-contained page that renders ``/openapi.json``.

The reference served Swagger UI and ReDoc from public CDNs, which fails on air-gapped
clusters and leaks the fact of every page view. This page needs nothing but the server: a
little inline JavaScript fetches the spec and lists every operation with its parameters,
request body and responses; schemas are shown as JSON and ``$ref`` s link to the schema
section. It also lets you send a JSON request to an operation from the page.
"""
from __future__ import annotations

import html

__all__ = ["docs_page"]

_TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>__TITLE__ - API</title>
<style>
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#1b1f24;background:#f6f8fa}
header{background:#24292f;color:#fff;padding:16px 24px}
header h1{margin:0;font-size:22px}header p{margin:4px 0 0;opacity:.8;white-space:pre-wrap}
main{max-width:1100px;margin:0 auto;padding:16px 24px}
details.op{background:#fff;border:1px solid #d0d7de;border-radius:6px;margin:8px 0}
details.op>summary{cursor:pointer;padding:8px 12px;display:flex;gap:12px;align-items:center}
.m{font-weight:700;font-size:12px;padding:3px 8px;border-radius:4px;color:#fff;min-width:56px;text-align:center}
.POST{background:#1f883d}.GET{background:#0969da}.DELETE{background:#cf222e}.PUT{background:#9a6700}
code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:13px}
pre{background:#f6f8fa;border:1px solid #d0d7de;border-radius:6px;padding:8px;overflow:auto;max-height:400px}
.body{padding:0 12px 12px}h2{margin-top:28px}h3{font-size:15px;margin:12px 0 4px}
textarea{width:100%;min-height:120px;font-family:ui-monospace,monospace;font-size:13px}
button{margin-top:6px;padding:4px 12px}a{color:#0969da}.muted{color:#57606a}
</style>
</head>
<body>
<header><h1>__TITLE__</h1><p id="desc"></p></header>
<main>
<p class="muted">OpenAPI document: <a href="__SPEC__">__SPEC__</a></p>
<div id="ops">Loading...</div>
<h2>Schemas</h2>
<div id="schemas"></div>
</main>
<script>
"use strict";
const SPEC_URL = "__SPEC__";
function el(tag, attrs, ...kids) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  for (const kid of kids) node.append(kid);
  return node;
}
function json(value) { return JSON.stringify(value, null, 2); }
function schemaBlock(schema) {
  const pre = el("pre");
  const text = json(schema);
  const parts = text.split(/("#\\/components\\/schemas\\/[^"]+")/);
  for (const part of parts) {
    const m = part.match(/^"#\\/components\\/schemas\\/([^"]+)"$/);
    if (m) pre.append(el("a", {href: "#schema-" + m[1]}, part)); else pre.append(part);
  }
  return pre;
}
function example(schema, spec, depth) {
  depth = depth || 0;
  if (!schema || depth > 6) return null;
  if (schema.$ref) return example(spec.components.schemas[schema.$ref.split("/").pop()], spec, depth + 1);
  if (schema.anyOf) return example(schema.anyOf[0], spec, depth + 1);
  if (schema.enum) return schema.enum[0];
  switch (schema.type) {
    case "object": {
      const out = {};
      for (const [k, v] of Object.entries(schema.properties || {})) out[k] = example(v, spec, depth + 1);
      return out;
    }
    case "array": return [example(schema.items, spec, depth + 1)];
    case "string": return "";
    case "integer": return 0;
    case "number": return 0.0;
    case "boolean": return false;
    case "null": return null;
  }
  return null;
}
function tryIt(path, method, op, spec) {
  const box = el("div");
  const params = (op.parameters || []).map(p => p.name);
  const query = el("input", {placeholder: params.map(p => p + "=...").join("&"), size: "60"});
  if (params.length) box.append(el("div", {}, "Query: ", query));
  let area = null;
  const content = op.requestBody && op.requestBody.content || {};
  if (content["application/json"]) {
    area = el("textarea");
    area.value = json(example(content["application/json"].schema, spec));
    box.append(area);
  }
  const out = el("pre", {}, "");
  const button = el("button", {}, "Send");
  button.onclick = async () => {
    out.textContent = "...";
    const url = path + (query.value ? "?" + query.value : "");
    const init = {method: method.toUpperCase(), headers: {}};
    if (area) { init.body = area.value; init.headers["Content-Type"] = "application/json"; }
    try {
      const res = await fetch(url, init);
      out.textContent = res.status + " " + res.statusText + "\\n\\n" + await res.text();
    } catch (err) { out.textContent = String(err); }
  };
  box.append(button, out);
  return box;
}
function render(spec) {
  document.title = spec.info.title + " - API";
  document.getElementById("desc").textContent = (spec.info.description || "") + "  (version " + spec.info.version + ")";
  const ops = document.getElementById("ops");
  ops.textContent = "";
  for (const [path, item] of Object.entries(spec.paths)) {
    for (const [method, op] of Object.entries(item)) {
      const body = el("div", {class: "body"});
      if (op.description) body.append(el("p", {}, op.description));
      if (op.parameters) { body.append(el("h3", {}, "Parameters")); body.append(schemaBlock(op.parameters)); }
      if (op.requestBody) {
        for (const [ct, media] of Object.entries(op.requestBody.content)) {
          body.append(el("h3", {}, "Request body (" + ct + ")"));
          body.append(schemaBlock(media["x-itemSchema"] || media.schema));
        }
      }
      for (const [code, resp] of Object.entries(op.responses || {})) {
        body.append(el("h3", {}, "Response " + code + ": " + (resp.description || "")));
        for (const [ct, media] of Object.entries(resp.content || {})) {
          body.append(el("div", {class: "muted"}, ct));
          body.append(schemaBlock(media["x-itemSchema"] || media.schema));
        }
      }
      body.append(el("h3", {}, "Try it"));
      body.append(tryIt(path, method, op, spec));
      const summary = el("summary", {}, el("span", {class: "m " + method.toUpperCase()}, method.toUpperCase()),
                         el("code", {}, path), el("span", {class: "muted"}, op.summary || ""));
      ops.append(el("details", {class: "op"}, summary, body));
    }
  }
  const schemas = document.getElementById("schemas");
  for (const [name, schema] of Object.entries((spec.components || {}).schemas || {})) {
    schemas.append(el("h3", {id: "schema-" + name}, name), schemaBlock(schema));
  }
}
fetch(SPEC_URL).then(r => r.json()).then(render).catch(err => {
  document.getElementById("ops").textContent = "Cannot load " + SPEC_URL + ": " + err;
});
</script>
</body>
</html>
"""


def docs_page(title: str, spec_url: str = "/openapi.json") -> bytes:
    """The HTML of the docs page for the API called ``title``."""
    return (
        _TEMPLATE.replace("__TITLE__", html.escape(title)).replace("__SPEC__", html.escape(spec_url)).encode("utf-8")
    )
