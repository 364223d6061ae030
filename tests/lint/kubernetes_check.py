"""Checks deploy/kubernetes against itself, the image and the daemon.

usage: kubernetes_check.py SOURCE_DIR MANIFEST_DIR [RULES_OUT]

Parses every manifest and checks that names, labels, ports, probe paths,
mounts and security settings agree with each other, with the daemon's
defaults (core/config/parse.c, exporters/http/server_handle.c), with the
image (scripts/image.sh) and the container config; that the PrometheusRule
carries exactly etc/prometheus/tokenwatch-rules.yml. Writes the rules the
PrometheusRule carries to RULES_OUT for promtool. Prints every error found
and exits 1 if there is one.
"""

import configparser
import os
import re
import sys

import yaml

errors = []


def check(ok, msg):
    if not ok:
        errors.append(msg)
    return ok


def subset(small, big):
    return all(big.get(k) == v for k, v in (small or {}).items())


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def load_manifests(mdir):
    """Every document of every file, by kind (one of each kind expected)."""
    docs = {}
    for name in sorted(os.listdir(mdir)):
        if not (name.endswith(".yaml") or name.endswith(".example")):
            continue
        try:
            parsed = [d for d in yaml.safe_load_all(read(os.path.join(mdir, name))) if d]
        except yaml.YAMLError as e:
            errors.append(f"{name}: not YAML: {e}")
            continue
        for d in parsed:
            kind = d.get("kind")
            if not check(kind and d.get("apiVersion"), f"{name}: no kind or apiVersion"):
                continue
            check(kind not in docs, f"{name}: a second {kind}")
            if kind != "Kustomization":
                check(d.get("metadata", {}).get("name"), f"{name}: {kind} without a name")
            docs[kind] = (name, d)
    return docs


def daemon_defaults(src):
    parse = read(os.path.join(src, "core/config/keys.c"))
    port = re.search(r'"agent", "listen",[^"]*"[^"]*:(\d+)"', parse)
    handler = read(os.path.join(src, "exporters/http/server_handle.c"))
    paths = set(re.findall(r'strcmp\(url, "(/[a-z]+)"\)', handler))
    image = read(os.path.join(src, "scripts/image.sh"))
    uid = re.search(r"^UID_TW=(\d+)$", image, re.M)
    expose = re.search(r"--port (\d+)/tcp", image)
    cmd = re.search(r"--cmd '(\[.*\])'", image)
    version = re.search(r"project\(tokenwatch VERSION ([0-9.]+)",
                        read(os.path.join(src, "CMakeLists.txt")))
    for what, m in (("listen default", port), ("UID_TW", uid), ("--port", expose),
                    ("--cmd", cmd), ("project version", version)):
        check(m, f"cannot find the {what} in the source tree")
    if errors:
        return None
    argv = yaml.safe_load(cmd.group(1))
    return {"port": int(port.group(1)), "paths": paths, "uid": int(uid.group(1)),
            "expose": int(expose.group(1)), "config": argv[argv.index("-c") + 1],
            "version": version.group(1)}


def check_kustomization(mdir, docs, d):
    kname, k = docs["Kustomization"]
    listed = k.get("resources", [])
    files = sorted(f for f in os.listdir(mdir) if f.endswith(".yaml") and f != kname)
    check(sorted(listed) == files, f"{kname}: resources {sorted(listed)} are not the files {files}")
    ns = k.get("namespace")
    check(docs["Namespace"][1]["metadata"]["name"] == ns, f"{kname}: namespace {ns} is not the Namespace's")
    for kind, (name, doc) in docs.items():
        if kind in ("Kustomization", "Namespace"):
            continue
        meta = doc["metadata"]
        check(meta.get("namespace") == ns, f"{name}: {kind} not in namespace {ns}")
        check(meta.get("labels", {}).get("app.kubernetes.io/part-of") == "tokenwatch",
              f"{name}: {kind} lacks app.kubernetes.io/part-of: tokenwatch")
    images = {i["name"]: i for i in k.get("images", [])}
    container = docs["Deployment"][1]["spec"]["template"]["spec"]["containers"][0]
    img = images.get(container["image"])
    if check(img, f"{kname}: no images entry for the Deployment's image {container['image']}"):
        check(img.get("newTag") == d["version"],
              f"{kname}: image tag {img.get('newTag')} is not the version {d['version']}")


def check_workload(docs, d):
    dname, dep = docs["Deployment"]
    spec = dep["spec"]
    pod = spec["template"]["spec"]
    plabels = spec["template"]["metadata"]["labels"]
    check(spec.get("replicas") == 1, f"{dname}: replicas must be 1")
    check(spec.get("strategy", {}).get("type") == "Recreate", f"{dname}: strategy must be Recreate")
    check(subset(spec["selector"]["matchLabels"], plabels), f"{dname}: selector does not match the pod")
    check(pod.get("serviceAccountName") == docs["ServiceAccount"][1]["metadata"]["name"],
          f"{dname}: not the ServiceAccount's name")
    check(pod.get("automountServiceAccountToken") is False, f"{dname}: mounts a service account token")
    psc = pod.get("securityContext", {})
    for key, want in (("runAsNonRoot", True), ("runAsUser", d["uid"]), ("runAsGroup", d["uid"]),
                      ("fsGroup", d["uid"])):
        check(psc.get(key) == want, f"{dname}: pod securityContext {key} is not {want}")
    check(psc.get("seccompProfile", {}).get("type") == "RuntimeDefault", f"{dname}: seccomp not RuntimeDefault")
    c = pod["containers"][0]
    csc = c.get("securityContext", {})
    check(csc.get("readOnlyRootFilesystem") is True, f"{dname}: root filesystem not read-only")
    check(csc.get("allowPrivilegeEscalation") is False, f"{dname}: privilege escalation allowed")
    check(csc.get("capabilities", {}).get("drop") == ["ALL"], f"{dname}: capabilities not all dropped")
    res = c.get("resources", {})
    check(res.get("requests", {}).keys() >= {"cpu", "memory"} and "memory" in res.get("limits", {}),
          f"{dname}: cpu and memory requests and a memory limit wanted")
    check(not c.get("command") and not c.get("args"), f"{dname}: overrides the image's command")
    ports = {p["name"]: p for p in c.get("ports", [])}
    metrics = ports.get("metrics", {})
    check(metrics.get("containerPort") == d["port"] == d["expose"],
          f"{dname}: port metrics {metrics.get('containerPort')} is not the daemon's {d['port']} "
          f"and the image's {d['expose']}")
    for probe, path in (("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")):
        get = c.get(probe, {}).get("httpGet", {})
        check(get.get("path") == path and path in d["paths"],
              f"{dname}: {probe} path {get.get('path')} is not {path} (daemon serves {sorted(d['paths'])})")
        check(get.get("port") in ("metrics", d["port"]), f"{dname}: {probe} port is not metrics")
    return plabels, c, pod


def check_service(docs, d, plabels):
    sname, svc = docs["Service"]
    check(subset(svc["spec"]["selector"], plabels), f"{sname}: selector does not match the pod")
    sports = {p["name"]: p for p in svc["spec"]["ports"]}
    sp = sports.get("metrics", {})
    check(sp.get("port") == d["port"] and sp.get("targetPort") in ("metrics", d["port"]),
          f"{sname}: port metrics is not {d['port']} -> metrics")
    mname, mon = docs["ServiceMonitor"]
    check(subset(mon["spec"]["selector"]["matchLabels"], svc["metadata"]["labels"]),
          f"{mname}: selector does not match the Service")
    eps = mon["spec"]["endpoints"]
    check(all(e.get("port") in sports and e.get("path") == "/metrics" and "/metrics" in d["paths"]
              for e in eps), f"{mname}: endpoints are not the Service's metrics port, /metrics")
    check("jobLabel" not in mon["spec"], f"{mname}: jobLabel set; the rules expect the Service name")
    nname, pol = docs["NetworkPolicy"]
    check(subset(pol["spec"]["podSelector"]["matchLabels"], plabels), f"{nname}: podSelector misses the pod")
    inports = [p.get("port") for r in pol["spec"].get("ingress", []) for p in r.get("ports", [])]
    check(inports and all(p in ("metrics", d["port"]) for p in inports), f"{nname}: ingress is not the metrics port")
    out = {(p.get("port"), p.get("protocol", "TCP")) for r in pol["spec"].get("egress", [])
           for p in r.get("ports", [])}
    check(out >= {(443, "TCP"), (53, "UDP")}, f"{nname}: egress lacks HTTPS or DNS")
    return svc["metadata"]["name"]


def check_config(src, docs, d, c, pod):
    cname, cm = docs["ConfigMap"]
    ini_text = cm["data"].get("tokenwatch.ini", "")
    check(ini_text == read(os.path.join(src, "etc/container/tokenwatch.ini")),
          f"{cname}: tokenwatch.ini is not etc/container/tokenwatch.ini")
    ini = configparser.ConfigParser(delimiters=("=",), comment_prefixes=(";", "#"))
    ini.read_string(ini_text)
    listen = ini.get("agent", "listen", fallback="")
    check(listen == f":{d['port']}", f"{cname}: listen = {listen}, not :{d['port']} (every interface)")
    mounts = {m["name"]: m for m in c.get("volumeMounts", [])}
    vols = {v["name"]: v for v in pod.get("volumes", [])}
    conf = [n for n, v in vols.items() if v.get("configMap", {}).get("name") == cm["metadata"]["name"]]
    check(conf and mounts.get(conf[0], {}).get("mountPath", "") + "/tokenwatch.ini" == d["config"],
          f"{cname}: not mounted where the image's command reads {d['config']}")
    sname, secret = docs["Secret"]
    value = next(iter(secret.get("stringData", {}).values()), "")
    check(value.startswith("REPLACE-") and "." not in value, f"{sname}: holds something else than a placeholder")
    sec = [n for n, v in vols.items() if v.get("secret", {}).get("secretName") == secret["metadata"]["name"]]
    if check(sec, f"{sname}: the Deployment does not mount the Secret"):
        v = vols[sec[0]]["secret"]
        items = {i["key"]: i["path"] for i in v.get("items", [])}
        key = next(iter(secret.get("stringData", {})), None)
        path = mounts.get(sec[0], {}).get("mountPath", "") + "/" + items.get(key, "")
        check(ini.get("astro", "token_file", fallback="") == path,
              f"{cname}: token_file is not the mounted Secret's {path}")
        check(v.get("defaultMode") == 0o440, f"{sname}: defaultMode is not 0440")
    state = ini.get("agent", "state_dir", fallback="/var/lib/tokenwatch")
    smounts = [m["mountPath"] for n, m in mounts.items() if "emptyDir" in vols.get(n, {})
               or "persistentVolumeClaim" in vols.get(n, {})]
    check(any(state.startswith(p.rstrip("/") + "/") for p in smounts),
          f"{cname}: state_dir {state} is not a directory inside the state volume {smounts}")


def check_rules(src, docs, job, rules_out):
    rname, rule = docs["PrometheusRule"]
    want = yaml.safe_load(read(os.path.join(src, "etc/prometheus/tokenwatch-rules.yml")))
    check(rule["spec"] == want, f"{rname}: spec is not etc/prometheus/tokenwatch-rules.yml")
    jobs = set(re.findall(r'job="([^"]+)"', yaml.safe_dump(rule["spec"])))
    check(jobs == {job}, f"{rname}: the rules look for job {sorted(jobs)}, the Service is {job}")
    if rules_out:
        with open(rules_out, "w", encoding="utf-8") as f:
            yaml.safe_dump(rule["spec"], f, sort_keys=False)


def main():
    src, mdir = sys.argv[1], sys.argv[2]
    rules_out = sys.argv[3] if len(sys.argv) > 3 else None
    docs = load_manifests(mdir)
    need = {"Kustomization", "Namespace", "ServiceAccount", "Secret", "ConfigMap", "Deployment",
            "Service", "ServiceMonitor", "PrometheusRule", "NetworkPolicy"}
    check(need <= docs.keys(), f"missing kinds: {sorted(need - docs.keys())}")
    d = daemon_defaults(src)
    if not errors:
        check_kustomization(mdir, docs, d)
        plabels, c, pod = check_workload(docs, d)
        job = check_service(docs, d, plabels)
        check_config(src, docs, d, c, pod)
        check_rules(src, docs, job, rules_out)
    for e in errors:
        print(f"kubernetes: {e}", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
