// A SPARQL 1.1 Protocol server over the oxigraph package, for intermw's tests
// and benchmarks. Usage: node server.js PORT [--user U --password P]
// Endpoints: /sparql (queries by GET ?query= or POST form/sparql-query;
// updates by POST form update= or sparql-update), POST /store (bulk load of
// an N-Quads or Turtle body), GET /health.
"use strict";
const http = require("http");
const oxigraph = require("oxigraph");

const args = process.argv.slice(2);
const port = Number(args[0] || 7878);
const flag = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const user = flag("--user");
const password = flag("--password");
const store = new oxigraph.Store();

function send(res, status, type, body) {
  res.writeHead(status, { "Content-Type": type });
  res.end(body);
}

function fail(res, status, message) {
  send(res, status, "application/json", JSON.stringify({ error: http.STATUS_CODES[status], message }));
}

// queryForm finds the form keyword after the prologue.
function queryForm(q) {
  const text = q.replace(/#[^\n]*/g, " ");
  const re = /\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b/i;
  const m = re.exec(text.replace(/<[^>]*>/g, "<>").replace(/"[^"]*"/g, '""'));
  return m ? m[1].toUpperCase() : "SELECT";
}

function accepts(req, type) {
  return (req.headers["accept"] || "").includes(type);
}

function runQuery(req, res, q) {
  const form = queryForm(q);
  let format;
  if (form === "CONSTRUCT" || form === "DESCRIBE") {
    format = accepts(req, "text/turtle") && !accepts(req, "application/n-triples") ? "text/turtle" : "application/n-triples";
  } else {
    format = accepts(req, "application/sparql-results+xml") && !accepts(req, "application/sparql-results+json")
      ? "application/sparql-results+xml" : "application/sparql-results+json";
  }
  let out;
  try {
    out = store.query(q, { results_format: format });
  } catch (e) {
    return fail(res, 400, String(e.message || e));
  }
  send(res, 200, format, out);
}

function runUpdate(res, u) {
  try {
    store.update(u);
  } catch (e) {
    return fail(res, 400, String(e.message || e));
  }
  res.writeHead(204);
  res.end();
}

function authorised(req) {
  if (!user) return true;
  const h = req.headers["authorization"] || "";
  const expected = "Basic " + Buffer.from(user + ":" + password).toString("base64");
  return h === expected;
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url, "http://localhost");
  if (url.pathname === "/health") return send(res, 200, "text/plain", "ok");
  if (!authorised(req)) {
    res.setHeader("WWW-Authenticate", 'Basic realm="sparql"');
    return fail(res, 401, "authentication required");
  }
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    const body = Buffer.concat(chunks).toString("utf8");
    const type = (req.headers["content-type"] || "").split(";")[0].trim();
    if (url.pathname === "/store" && req.method === "POST") {
      try {
        store.load(body, { format: type || "application/n-quads" });
      } catch (e) {
        return fail(res, 400, String(e.message || e));
      }
      res.writeHead(204);
      return res.end();
    }
    if (url.pathname !== "/sparql") return fail(res, 404, "no such endpoint");
    if (req.method === "GET") {
      const q = url.searchParams.get("query");
      if (q === null) return fail(res, 400, "missing query parameter");
      return runQuery(req, res, q);
    }
    if (req.method !== "POST") return fail(res, 405, "use GET or POST");
    if (type === "application/sparql-query") return runQuery(req, res, body);
    if (type === "application/sparql-update") return runUpdate(res, body);
    if (type === "application/x-www-form-urlencoded") {
      const form = new URLSearchParams(body);
      if (form.has("query")) return runQuery(req, res, form.get("query"));
      if (form.has("update")) return runUpdate(res, form.get("update"));
      return fail(res, 400, "form needs query or update");
    }
    return fail(res, 415, "unsupported content type " + type);
  });
});

server.listen(port, "127.0.0.1", () => {
  console.log("listening on 127.0.0.1:" + port);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
