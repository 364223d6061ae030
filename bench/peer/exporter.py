#!/usr/bin/env python3
"""A plain Python exporter doing tokenwatch's cycle: the peer of bench/peer.sh.

Every interval it lists the organization's workspaces, deployments, users and
API tokens (pages of 1,000, as tokenwatch does with workspaces = *), evaluates
tokenwatch's default policy (expired, expiring, no_expiry, unused, never_used,
orphaned, over_privileged), renders the metric families of tokenwatch's
metrics page with the same labels, gzips the page once and serves the result
over http.server until the next cycle replaces it.

Standard library only, written the way a Python developer would write such an
exporter: json.load on each response, dicts, f-strings, gzip.compress.  It is
a yardstick for the daemon's CPU and memory, not a product: no TLS options, no
retries beyond 429, no notifications, no trail and no audit logs.

    exporter.py --api-url URL --credential-file FILE [--port 0] [--port-file F]
                [--interval 5] [--gzip-level 9]
"""

import argparse
import base64
import gzip
import http.server
import json
import threading
import time
import urllib.error
import urllib.request
from datetime import datetime

DAY = 86400
# tokenwatch's default [policy]
EXPIRY_CRITICAL = 7 * DAY
EXPIRY_WARNING = 30 * DAY
UNUSED_AFTER = 90 * DAY
NEVER_USED_AFTER = 14 * DAY
ROLE_ORDER = {
    "ORGANIZATION": ["ORGANIZATION_OWNER", "ORGANIZATION_BILLING_ADMIN",
                     "ORGANIZATION_OBSERVE_ADMIN", "ORGANIZATION_OBSERVE_MEMBER",
                     "ORGANIZATION_MEMBER"],
    "WORKSPACE": ["WORKSPACE_OWNER", "WORKSPACE_OPERATOR", "WORKSPACE_AUTHOR",
                  "WORKSPACE_MEMBER", "WORKSPACE_ACCESSOR"],
    "DEPLOYMENT": ["DEPLOYMENT_ADMIN"],
}
MAX_ROLE = {"ORGANIZATION": "ORGANIZATION_BILLING_ADMIN",
            "WORKSPACE": "WORKSPACE_OPERATOR",
            "DEPLOYMENT": "DEPLOYMENT_ADMIN"}
KINDS = ["expired", "expiring", "no_expiry", "unused", "never_used", "orphaned",
         "over_privileged", "new_source"]
SEVERITIES = ["warning", "critical"]
OWNER_KEYS = ["owner", "team", "pipeline", "repo", "contact"]
LISTINGS = ["workspaces", "deployments", "users", "tokens"]


class Client:
    """GETs against the Astro API v1, counting responses by endpoint and code."""

    def __init__(self, api_url, credential):
        self.base = api_url.rstrip("/") + "/v1"
        self.headers = {"Authorization": "Bearer " + credential, "X-API-Version": "1.0"}
        self.requests = {}
        self.retries = 0

    def get(self, endpoint, url):
        while True:
            req = urllib.request.Request(url, headers=self.headers)
            try:
                with urllib.request.urlopen(req, timeout=30) as resp:
                    self.count(endpoint, resp.status)
                    return json.load(resp)
            except urllib.error.HTTPError as e:
                self.count(endpoint, e.code)
                if e.code != 429:
                    raise
                self.retries += 1
                time.sleep(float(e.headers.get("Retry-After") or 1))

    def count(self, endpoint, code):
        key = (endpoint, code)
        self.requests[key] = self.requests.get(key, 0) + 1

    def list_all(self, org, resource):
        items, offset = [], 0
        while True:
            url = f"{self.base}/organizations/{org}/{resource}?offset={offset}&limit=1000"
            page = self.get(resource, url)
            got = page[resource]
            items.extend(got)
            offset += len(got)
            if not got or offset >= page["totalCount"]:
                return items


def parse_time(s):
    if not s:
        return None
    return int(datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp())


def subject_name(s):
    return s.get("fullName") or s.get("username") or s.get("apiTokenName") or s["id"]


def value_ok(v):
    if not v or len(v.encode()) > 128:
        return False
    return not any(c in '"\\<>&`' or ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in v)


def description_pairs(desc):
    pairs = {}
    for seg in desc.replace(";", "\n").replace(",", "\n").replace("\r", "\n").split("\n"):
        cut = [i for i in (seg.find("="), seg.find(":")) if i >= 0]
        if not cut:
            continue
        key, value = seg[:min(cut)].strip(" \t\v\f").lower(), seg[min(cut) + 1:].strip(" \t\v\f")
        if key in OWNER_KEYS and key not in pairs and value_ok(value):
            pairs[key] = value
    return pairs


class Inventory:
    def __init__(self, org, workspaces, deployments, users, tokens):
        self.org = org
        self.workspaces = {w["id"]: w for w in workspaces}
        self.deployments = {d["id"]: d for d in deployments}
        self.users = {u["id"]: u for u in users}
        by_id = {t["id"]: t for t in tokens}
        self.tokens = [by_id[k] for k in sorted(by_id)]
        self.token_ids = set(by_id)
        for t in self.tokens:
            for f in ("startAt", "endAt", "createdAt", "lastUsedAt"):
                t[f] = parse_time(t.get(f))

    def first_entity(self, t, entity_type):
        for r in t.get("roles") or []:
            if r.get("entityType") == entity_type and r.get("entityId"):
                return r["entityId"]
        return None

    def token_workspace(self, t):
        ws = self.first_entity(t, "WORKSPACE")
        dep = self.first_entity(t, "DEPLOYMENT")
        if ws or not dep:
            return ws
        d = self.deployments.get(dep)
        return d.get("workspaceId") if d else None

    def creator_gone(self, s):
        if s.get("subjectType") == "USER":
            u = self.users.get(s["id"])
            return u is None or u.get("status") in ("INACTIVE", "BANNED")
        if s.get("subjectType") == "SERVICEKEY":
            return s["id"] not in self.token_ids
        return False

    def owner(self, t):
        pairs = description_pairs(t.get("description") or "")
        if "team" in pairs or "owner" in pairs:
            return pairs.get("team") or pairs["owner"], "description"
        ws = self.token_workspace(t)
        w = self.workspaces.get(ws) if ws else None
        if w and t.get("scope") in ("WORKSPACE", "DEPLOYMENT") and value_ok(w["name"]):
            return w["name"], "workspace"
        s = t.get("createdBy")
        if s and s.get("subjectType") in ("USER", "SERVICEKEY") and not self.creator_gone(s):
            name = subject_name(s)
            if value_ok(name):
                return name, "creator"
        return "", "none"

    def entity_name(self, role):
        if role.get("entityType") == "WORKSPACE":
            w = self.workspaces.get(role.get("entityId"))
            return w["name"] if w else ""
        if role.get("entityType") == "DEPLOYMENT":
            d = self.deployments.get(role.get("entityId"))
            return d["name"] if d else ""
        return ""


def evaluate(inv, now):
    """[(token, kind, severity)] in token order, kinds in tokenwatch's order."""
    findings = []
    for t in inv.tokens:
        end, used, created = t["endAt"], t["lastUsedAt"], t["createdAt"]
        if end is not None and end <= now:
            findings.append((t, "expired", "critical"))
        if end is not None and end > now:
            if end - now <= EXPIRY_CRITICAL:
                findings.append((t, "expiring", "critical"))
            elif end - now <= EXPIRY_WARNING:
                findings.append((t, "expiring", "warning"))
        if end is None:
            findings.append((t, "no_expiry", "warning"))
        if used is not None and now - used > UNUSED_AFTER:
            findings.append((t, "unused", "warning"))
        if used is None and created is not None and now - created > NEVER_USED_AFTER:
            findings.append((t, "never_used", "warning"))
        orphaned = bool(t.get("createdBy")) and inv.creator_gone(t["createdBy"])
        for r in t.get("roles") or []:
            if r.get("entityType") == "WORKSPACE" and r.get("entityId") not in inv.workspaces:
                orphaned = True
            if r.get("entityType") == "DEPLOYMENT" and r.get("entityId") not in inv.deployments:
                orphaned = True
        if orphaned:
            findings.append((t, "orphaned", "warning"))
        severity = None
        for r in t.get("roles") or []:
            order = ROLE_ORDER.get(r.get("entityType"), [])
            if r.get("role") in order and order.index(r["role"]) < order.index(
                    MAX_ROLE[r["entityType"]]):
                if r["role"] == "ORGANIZATION_OWNER":
                    severity = "critical"
                elif severity is None:
                    severity = "warning"
        if severity:
            findings.append((t, "over_privileged", severity))
    return findings


def escape(v):
    return v.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def family(out, name, help_text, kind="gauge"):
    out.append(f"# HELP {name} {help_text}\n# TYPE {name} {kind}\n")


def sample(out, name, labels, value):
    if labels:
        body = ",".join(f'{k}="{escape(v)}"' for k, v in labels.items())
        out.append(f"{name}{{{body}}} {value}\n")
    else:
        out.append(f"{name} {value}\n")


def render_tokens(out, inv, findings):
    org = inv.org
    family(out, "astro_token_info", "Astro API token inventory: one series per token, value 1.")
    for t in inv.tokens:
        creator = (t.get("createdBy") or {}).get("id", "")
        sample(out, "astro_token_info", {
            "token_id": t["id"], "organization": org, "token_name": t["name"],
            "token_scope": t["scope"], "token_kind": t.get("kind") or "", "creator_id": creator,
            "organization_id": org, "organization_name": org}, 1)
    family(out, "astro_token_owner_info",
           "The owner of each Astro API token (team, and the source that answered: "
           "description, rule, workspace, creator or none), value 1.")
    for t in inv.tokens:
        team, source = inv.owner(t)
        sample(out, "astro_token_owner_info",
               {"token_id": t["id"], "organization": org, "team": team, "source": source}, 1)
    family(out, "astro_token_role_info", "Roles granted to each Astro API token, value 1.")
    for t in inv.tokens:
        for r in t.get("roles") or []:
            sample(out, "astro_token_role_info", {
                "token_id": t["id"], "organization": org, "entity_type": r["entityType"],
                "entity_id": r["entityId"], "entity_name": inv.entity_name(r),
                "role": r["role"]}, 1)
    for field, name, help_text in [
        ("endAt", "astro_token_expiry_timestamp_seconds",
         "Unix time an Astro API token expires; only tokens that expire, kept after expiry."),
        ("createdAt", "astro_token_created_timestamp_seconds",
         "Unix time an Astro API token was created."),
        ("lastUsedAt", "astro_token_last_used_timestamp_seconds",
         "Unix time an Astro API token was last used; only tokens that were used."),
    ]:
        family(out, name, help_text)
        for t in inv.tokens:
            if t[field] is not None:
                sample(out, name, {"token_id": t["id"], "organization": org}, t[field])
    family(out, "astro_tokens", "Number of Astro API tokens by scope.")
    scopes = {"DEPLOYMENT": 0, "ORGANIZATION": 0, "WORKSPACE": 0}
    for t in inv.tokens:
        scopes[t["scope"]] = scopes.get(t["scope"], 0) + 1
    for scope in sorted(scopes):
        sample(out, "astro_tokens", {"token_scope": scope}, scopes[scope])
    family(out, "astro_token_finding",
           "Active (unsuppressed) finding on an Astro API token, value 1.")
    counts = {}
    for t, kind, severity in findings:
        sample(out, "astro_token_finding", {"token_id": t["id"], "organization": org,
                                            "finding": kind, "severity": severity}, 1)
        counts[kind, severity] = counts.get((kind, severity), 0) + 1
    family(out, "astro_token_findings", "Number of active findings by kind and severity.")
    for kind in KINDS:
        for severity in SEVERITIES:
            sample(out, "astro_token_findings", {"finding": kind, "severity": severity},
                   counts.get((kind, severity), 0))


def render_self(out, st, client):
    org = st["org"]
    family(out, "tokenwatch_build_info", "tokenwatch build, value 1.")
    sample(out, "tokenwatch_build_info", {"version": "python-peer"}, 1)
    family(out, "tokenwatch_collection_success",
           "Whether the last collection listed everything (1) or not (0); on 0 the token "
           "series are the last good data.")
    sample(out, "tokenwatch_collection_success", {"organization": org}, int(st["ok"]))
    family(out, "tokenwatch_listing_success",
           "Whether every listing of this kind succeeded in the last collection.")
    for kind in LISTINGS:
        sample(out, "tokenwatch_listing_success", {"organization": org, "listing": kind},
               int(st["ok"]))
    family(out, "tokenwatch_last_success_timestamp_seconds",
           "Unix time of the last successful collection.")
    if st["last_success"]:
        sample(out, "tokenwatch_last_success_timestamp_seconds", {"organization": org},
               st["last_success"])
    family(out, "tokenwatch_collection_duration_seconds", "Seconds the last collection took.")
    sample(out, "tokenwatch_collection_duration_seconds", {}, st["duration"])
    family(out, "tokenwatch_cycles_total",
           "Collection cycles finished since the agent started, good or failed.", "counter")
    sample(out, "tokenwatch_cycles_total", {}, st["cycles"])
    family(out, "tokenwatch_api_requests_total",
           "Astro API responses received since start, by endpoint and HTTP status (0: no "
           "response).", "counter")
    for (endpoint, code), n in client.requests.items():
        sample(out, "tokenwatch_api_requests_total", {"endpoint": endpoint, "code": str(code)}, n)
    family(out, "tokenwatch_api_retries_total",
           "Astro API requests retried since start, by reason.", "counter")
    sample(out, "tokenwatch_api_retries_total", {"reason": "rate_limited"}, client.retries)
    family(out, "tokenwatch_credential_expiry_timestamp_seconds",
           "Unix time the agent's own Astro API credential expires (absent: never or unknown).")
    if st["credential_exp"]:
        sample(out, "tokenwatch_credential_expiry_timestamp_seconds", {"organization": org},
               st["credential_exp"])


class Exporter:
    def __init__(self, args):
        with open(args.credential_file) as f:
            credential = f.read().strip()
        claims = json.loads(base64.urlsafe_b64decode(credential.split(".")[1] + "=="))
        org = next(p.split(":", 1)[1] for p in claims["permissions"]
                   if p.startswith("organizationId:"))
        self.client = Client(args.api_url, credential)
        self.interval = args.interval
        self.gzip_level = args.gzip_level
        self.state = {"org": org, "ok": False, "last_success": None, "duration": 0.0,
                      "cycles": 0, "credential_exp": claims.get("exp")}
        self.inventory = None
        self.plain = b""
        self.gz = gzip.compress(b"")
        self.lock = threading.Lock()

    def cycle(self):
        start, now = time.monotonic(), int(time.time())
        org = self.state["org"]
        try:
            listed = [self.client.list_all(org, r) for r in LISTINGS]
            self.inventory = Inventory(org, *listed)
            self.state["ok"] = True
            self.state["last_success"] = now
        except (OSError, ValueError, KeyError) as e:
            print(f"collection failed: {e}; serving the last good data", flush=True)
            self.state["ok"] = False
        self.state["cycles"] += 1
        self.state["duration"] = time.monotonic() - start
        out = []
        if self.inventory:
            render_tokens(out, self.inventory, evaluate(self.inventory, now))
        render_self(out, self.state, self.client)
        plain = "".join(out).encode("utf-8", "replace")
        gz = gzip.compress(plain, compresslevel=self.gzip_level)
        with self.lock:
            self.plain, self.gz = plain, gz
        print(f"cycle finished: {len(self.inventory.tokens) if self.inventory else 0} tokens, "
              f"{time.monotonic() - start:.3f}s", flush=True)

    def run(self):
        while True:
            started = time.monotonic()
            self.cycle()
            time.sleep(max(0.0, self.interval - (time.monotonic() - started)))

    def page(self, want_gzip):
        with self.lock:
            return self.gz if want_gzip else self.plain


def handler_for(exporter):
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path != "/metrics":
                self.send_error(404)
                return
            want_gzip = "gzip" in self.headers.get("Accept-Encoding", "")
            body = exporter.page(want_gzip)
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
            if want_gzip:
                self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    return Handler


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--api-url", required=True)
    p.add_argument("--credential-file", required=True)
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--port-file")
    p.add_argument("--interval", type=float, default=5)
    p.add_argument("--gzip-level", type=int, default=9, help="gzip.compress's default: 9")
    args = p.parse_args()
    exporter = Exporter(args)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), handler_for(exporter))
    if args.port_file:
        with open(args.port_file, "w") as f:
            f.write(str(server.server_address[1]))
    threading.Thread(target=exporter.run, daemon=True).start()
    server.serve_forever()


if __name__ == "__main__":
    main()
