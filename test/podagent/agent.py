#!/usr/bin/env python3
"""The pod agent: a test double for the node and the engine, nothing above.

In scripts/testenv.sh's control plane KWOK plays the kubelet: pods become
Running and Ready with an IP from the simulated pod CIDR (loopback
addresses), but no container runs. This agent watches Pods through the API
server and, for each Running serving pod (made by Kthena's ModelServing
controller: label modelserving.volcano.sh/name) whose IP is in that CIDR,
starts what the pod's containers would have run, bound on the pod's IP:

  - Kthena's real runtime sidecar (python/kthena/runtime/app.py of the
    stack's tag, from its source tree, in a virtual environment) with the
    arguments the pod's `runtime` container carries, except host = the pod
    IP and the engine base URL's host = the pod IP (a pod's "localhost").
    It runs in a private mount namespace (pod-exec.sh): the container's
    volume mounts are per-pod directories under the state dir, everything
    else it writes lands in a tmpfs; the host's paths are never written.
  - A fake engine (fake_engine.py) on the engine port from the pod spec,
    answering as vLLM or SGLang would for the models and LoRA adapters the
    engine container's arguments name.

It stops them when the pod stops running, is being deleted or is gone.
Worker pods of a multi-node group run a Ray worker in reality, which
serves no HTTP: nothing is started for them.

Only the standard library; the API is reached with the admin kubeconfig's
client certificate (read once through `kubectl config view --raw`), and
pods are followed with a list and a watch (resourceVersion, bookmarks,
relist on 410 Gone), never by polling.

Log: one line per start and per stop on stdout (testenv.sh sends it to
logs/pod-agent.log); each pod's processes log to
<state>/pods/<namespace>/<pod>/{engine,runtime}.log.
"""

import argparse
import base64
import http.client
import ipaddress
import json
import os
import queue
import re
import shlex
import shutil
import signal
import ssl
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
SERVING_LABEL = "modelserving.volcano.sh/name"
ROLE_LABEL = "modelserving.volcano.sh/role"
GROUP_LABEL = "modelserving.volcano.sh/group-name"
ENTRY_LABEL = "modelserving.volcano.sh/entry"
READY_TIMEOUT_S = 60
STOP_GRACE_S = 5


def log(msg):
    print(time.strftime("%Y-%m-%dT%H:%M:%S") + f".{int(time.time() * 1000) % 1000:03d} {msg}", flush=True)


# ------------------------------------------------------------------ API --

class Kube:
    """A minimal client for the admin kubeconfig testenv.sh writes."""

    def __init__(self, kubeconfig, cert_dir):
        out = subprocess.run(["kubectl", "--kubeconfig", kubeconfig, "config", "view", "--raw", "--minify", "-o",
                              "json"], check=True, capture_output=True, text=True).stdout
        cfg = json.loads(out)
        cluster = cfg["clusters"][0]["cluster"]
        user = cfg["users"][0]["user"]
        url = urllib.parse.urlsplit(cluster["server"])
        self.host, self.port = url.hostname, url.port or 443
        os.makedirs(cert_dir, mode=0o700, exist_ok=True)

        def write(name, b64):
            path = os.path.join(cert_dir, name)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(base64.b64decode(b64))
            return path

        self.ctx = ssl.create_default_context(cafile=write("ca.crt", cluster["certificate-authority-data"]))
        self.token = user.get("token")
        if "client-certificate-data" in user:
            self.ctx.load_cert_chain(write("client.crt", user["client-certificate-data"]),
                                     write("client.key", user["client-key-data"]))

    def open(self, path, timeout):
        conn = http.client.HTTPSConnection(self.host, self.port, context=self.ctx, timeout=timeout)
        headers = {"Accept": "application/json", "User-Agent": "modelbooster-pod-agent"}
        if self.token:
            headers["Authorization"] = "Bearer " + self.token
        conn.request("GET", path, headers=headers)
        return conn, conn.getresponse()

    def get(self, path, timeout=30):
        """The decoded JSON of a GET, or None for 404."""
        conn, resp = self.open(path, timeout)
        try:
            body = resp.read()
            if resp.status == 404:
                return None
            if resp.status != 200:
                raise RuntimeError(f"GET {path}: HTTP {resp.status}: {body[:200]!r}")
            return json.loads(body)
        finally:
            conn.close()


class Gone(Exception):
    pass


def informer(kube, path, selector, kind, events, stopping):
    """List, then watch from the list's resourceVersion; events go to the
    main loop's queue as (kind, type, object), a fresh list as (kind,
    "SYNC", items). A 410 Gone or a broken connection starts over."""
    q = "labelSelector=" + urllib.parse.quote(selector) if selector else ""
    backoff = 0.5
    while not stopping.is_set():
        try:
            lst = kube.get(f"{path}?{q}")
            rv = lst["metadata"]["resourceVersion"]
            events.put((kind, "SYNC", lst["items"]))
            backoff = 0.5
            while not stopping.is_set():
                conn, resp = kube.open(f"{path}?watch=1&allowWatchBookmarks=true&timeoutSeconds=300"
                                       f"&resourceVersion={rv}&{q}", timeout=330)
                try:
                    if resp.status != 200:
                        raise RuntimeError(f"watch {path}: HTTP {resp.status}")
                    while not stopping.is_set():
                        line = resp.readline()
                        if not line:
                            break  # the server ended the watch (timeoutSeconds): watch again from rv
                        ev = json.loads(line)
                        if ev["type"] == "ERROR":
                            if ev["object"].get("code") == 410:
                                raise Gone()
                            raise RuntimeError(f"watch {path}: {ev['object'].get('message')}")
                        rv = ev["object"]["metadata"]["resourceVersion"]
                        if ev["type"] != "BOOKMARK":
                            events.put((kind, ev["type"], ev["object"]))
                finally:
                    conn.close()
        except Gone:
            continue
        except Exception as e:  # the API server restarted, a timeout: list again
            if stopping.is_set():
                return
            log(f"watch of {kind} interrupted ({type(e).__name__}: {e}); listing again in {backoff:.1f} s")
            stopping.wait(backoff)
            backoff = min(backoff * 2, 10)


# --------------------------------------------------------- pod spec --

VAR_REF = re.compile(r"\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)")


def expand(s, env):
    """Kubernetes' $(VAR) expansion in command, args and env values: a
    defined variable is replaced, an undefined one stays, $$ is a $."""
    def sub(m):
        if m.group(0) == "$$":
            return "$"
        return env.get(m.group(1), m.group(0))
    return VAR_REF.sub(sub, s)


def field_value(pod, path):
    m = re.fullmatch(r"metadata\.(labels|annotations)\['([^']+)'\]", path)
    if m:
        return pod["metadata"].get(m.group(1), {}).get(m.group(2), "")
    fields = {"metadata.name": pod["metadata"]["name"], "metadata.namespace": pod["metadata"]["namespace"],
              "metadata.uid": pod["metadata"]["uid"], "spec.nodeName": pod["spec"].get("nodeName", ""),
              "spec.serviceAccountName": pod["spec"].get("serviceAccountName", ""),
              "status.podIP": pod["status"].get("podIP", ""), "status.hostIP": pod["status"].get("hostIP", "")}
    return fields.get(path, "")


def container_env(kube, pod, c, notes):
    """The container's environment as the kubelet would build it (envFrom,
    then env in order; ConfigMap and Secret keys read through the API)."""
    ns = pod["metadata"]["namespace"]
    env = {}
    cache = {}

    def source(kind, name):
        if (kind, name) not in cache:
            plural = "configmaps" if kind == "configMap" else "secrets"
            cache[(kind, name)] = kube.get(f"/api/v1/namespaces/{ns}/{plural}/{urllib.parse.quote(name)}")
        obj = cache[(kind, name)]
        if obj is None:
            return None
        if kind == "secret":
            return {k: base64.b64decode(v).decode(errors="replace") for k, v in (obj.get("data") or {}).items()}
        return obj.get("data") or {}

    for ef in c.get("envFrom") or []:
        for kind in ("configMap", "secret"):
            ref = ef.get(kind + "Ref")
            if ref:
                data = source(kind, ref["name"])
                if data is None:
                    notes.append(f"envFrom {kind} {ref['name']} not found" + (" (optional)" if ref.get("optional")
                                                                                 else ""))
                    continue
                for k, v in data.items():
                    env[ef.get("prefix", "") + k] = v
    for e in c.get("env") or []:
        name = e["name"]
        if "value" in e:
            env[name] = expand(e["value"], env)
            continue
        vf = e.get("valueFrom") or {}
        if "fieldRef" in vf:
            env[name] = field_value(pod, vf["fieldRef"]["fieldPath"])
        for kind in ("configMap", "secret"):
            ref = vf.get(kind + "KeyRef")
            if ref:
                data = source(kind, ref["name"])
                if data is None or ref["key"] not in data:
                    if not ref.get("optional"):
                        notes.append(f"env {name}: {kind} {ref['name']} key {ref['key']} not found")
                    continue
                env[name] = data[ref["key"]]
        if "valueFrom" not in e:
            env[name] = ""
    return env


ENGINE_MARKERS = ("vllm.entrypoints.openai.api_server", "sglang.launch_server")


def engine_command(argv):
    """The engine's own argv inside a container's command: directly, or as
    one `&&`-joined step of a `bash -c` string (the multi-node leader)."""
    def find(words):
        for i, w in enumerate(words):
            if w in ENGINE_MARKERS:
                return words[max(0, i - 2):]  # python3 -m <module> ...
            if w == "vllm" and i + 1 < len(words) and words[i + 1] == "serve":
                return words[i:]
        return None

    if len(argv) >= 3 and os.path.basename(argv[0]) in ("bash", "sh") and argv[1] == "-c":
        lexer = shlex.shlex(argv[2], posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        step = []
        for tok in list(lexer) + [";"]:
            if tok in ("&&", "||", ";", "|", "&"):
                found = find(step)
                if found:
                    return found
                step = []
            else:
                step.append(tok)
        return None
    return find(argv)


def flag_values(argv, *names, nargs=1):
    """Values of a flag (last occurrence wins; nargs="+" takes every word up
    to the next flag), accepting --flag value and --flag=value."""
    found = None
    i = 0
    while i < len(argv):
        w = argv[i]
        for n in names:
            if w == n:
                vals = []
                j = i + 1
                while j < len(argv) and not argv[j].startswith("-") and (nargs == "+" or len(vals) < nargs):
                    vals.append(argv[j])
                    j += 1
                found = vals
                i = j - 1
            elif w.startswith(n + "="):
                found = [w[len(n) + 1:]]
        i += 1
    return found


def lora_entries(values, kind):
    """name -> path from vLLM's --lora-modules (name=path or JSON
    {name, path}) or SGLang's --lora-paths (name=path, path, or JSON
    {lora_name, lora_path})."""
    out = {}
    for v in values or []:
        if v.startswith("{"):
            try:
                d = json.loads(v)
            except ValueError:
                continue
            name = d.get("name") or d.get("lora_name")
            path = d.get("path") or d.get("lora_path")
        elif "=" in v:
            name, path = v.split("=", 1)
        else:
            name, path = (os.path.basename(v.rstrip("/")), v) if kind == "sglang" else (None, None)
        if name and path:
            out[name] = path
    return out


def engine_plan(argv, containers_port):
    """What the engine would serve: kind, port, served names, adapters, role."""
    joined = " ".join(argv)
    kind = "sglang" if "sglang.launch_server" in joined else "vllm"
    port_default = 30000 if kind == "sglang" else 8000
    port = flag_values(argv, "--port")
    port = int(port[0]) if port else port_default
    if kind == "vllm":
        model = flag_values(argv, "--model")
        if not model and "serve" in argv:  # `vllm serve <model>`
            i = argv.index("serve")
            model = [argv[i + 1]] if i + 1 < len(argv) and not argv[i + 1].startswith("-") else None
        names = flag_values(argv, "--served-model-name", nargs="+")
        loras = lora_entries(flag_values(argv, "--lora-modules", nargs="+"), kind)
    else:
        model = flag_values(argv, "--model-path", "--model")
        names = flag_values(argv, "--served-model-name")
        loras = lora_entries(flag_values(argv, "--lora-paths", nargs="+"), kind)
    model_path = model[0] if model else ""
    # Without --served-model-name both engines serve under the model path.
    names = names or ([model_path] if model_path else [])
    role, kv_port = "", 0
    kv = flag_values(argv, "--kv-transfer-config")
    if kv:
        try:
            d = json.loads(kv[0])
            role = {"kv_producer": "prefill", "kv_consumer": "decode"}.get(d.get("kv_role"), d.get("kv_role", ""))
            kv_port = int(d.get("kv_port") or 0)
        except (ValueError, TypeError):
            pass
    return {"engine": kind, "port": port, "port_note": "" if port == containers_port or not containers_port else
            f"containerPort {containers_port} differs: the engine listens on {port}",
            "served_model_names": names, "model_path": model_path, "lora_modules": loras, "role": role,
            "kv_port": kv_port}


def sidecar_args(args, pod_ip):
    """The runtime container's args, bound on the pod IP and pointed at the
    engine on the pod IP instead of localhost (the pod's own loopback)."""
    out = list(args)
    for i, w in enumerate(out):
        for flag in ("--engine-base-url", "-B"):
            if w == flag and i + 1 < len(out):
                out[i + 1] = pod_local(out[i + 1], pod_ip)
            elif w.startswith(flag + "="):
                out[i] = flag + "=" + pod_local(w[len(flag) + 1:], pod_ip)
    cleaned = []
    skip = False
    for w in out:
        if skip:
            skip = False
            continue
        if w in ("--host", "-H"):
            skip = True
            continue
        if w.startswith("--host="):
            continue
        cleaned.append(w)
    return cleaned + ["--host", pod_ip]


def pod_local(url, pod_ip):
    u = urllib.parse.urlsplit(url)
    if u.hostname in ("localhost", "127.0.0.1", "0.0.0.0", "::1"):
        netloc = pod_ip + (f":{u.port}" if u.port else "")
        return urllib.parse.urlunsplit((u.scheme, netloc, u.path, u.query, u.fragment))
    return url


# ------------------------------------------------------------- agent --

class PodProcs:
    """The processes of one pod."""

    def __init__(self, key, uid, ip, pod_dir):
        self.key, self.uid, self.ip, self.dir = key, uid, ip, pod_dir
        self.procs = {}  # "engine" | "runtime" -> dict(cmd, env, log, popen, port, restarts, next_start)
        self.started_at = time.monotonic()
        self.announced = False
        self.summary = ""


class Agent:
    def __init__(self, a):
        self.a = a
        self.net = ipaddress.ip_network(a.pod_cidr)
        self.kube = Kube(a.kubeconfig, os.path.join(a.state_dir, "client"))
        self.events = queue.Queue()
        self.stopping = threading.Event()
        self.pods = {}  # (ns, name) -> pod object, as watched
        self.namespaces = None if not a.namespace_selector else set()
        self.running = {}  # (ns, name) -> PodProcs
        self.skipped = {}  # (ns, name) -> (uid, reason) logged once
        self.listed = False  # the first list of pods arrived (testenv.sh waits for it)
        self.python = a.python
        self.sidecar_app = os.path.join(a.kthena_python, "kthena", "runtime", "app.py")
        if not os.path.isfile(self.sidecar_app):
            raise SystemExit(f"pod-agent: {self.sidecar_app} not found (--kthena-python)")

    # -- the main loop ------------------------------------------------------
    def run(self):
        signal.signal(signal.SIGTERM, lambda *_: self.stopping.set())
        signal.signal(signal.SIGINT, lambda *_: self.stopping.set())
        threads = [threading.Thread(target=informer, daemon=True, args=(
            self.kube, "/api/v1/pods", SERVING_LABEL, "pods", self.events, self.stopping))]
        if self.namespaces is not None:
            threads.append(threading.Thread(target=informer, daemon=True, args=(
                self.kube, "/api/v1/namespaces", self.a.namespace_selector, "namespaces", self.events,
                self.stopping)))
        for t in threads:
            t.start()
        log(f"pod agent watching: pods labelled {SERVING_LABEL} with an IP in {self.net}"
            + (f", in namespaces labelled {self.a.namespace_selector}" if self.namespaces is not None
               else ", in every namespace")
            + f"; runtime sidecar {self.sidecar_app}; at most {self.a.max_pods} pods")
        while not self.stopping.is_set():
            dirty = set()
            try:
                item = self.events.get(timeout=0.1)
                while True:
                    dirty |= self.apply(*item)
                    item = self.events.get_nowait()
            except queue.Empty:
                pass
            for key in sorted(dirty):
                self.reconcile(key)
            self.supervise()
        # TERM to every child first, so that they stop in parallel.
        for p in self.running.values():
            for proc in p.procs.values():
                if proc["popen"] is not None and proc["popen"].poll() is None:
                    proc["popen"].terminate()
        for key in sorted(self.running):
            self.stop(key, "the pod agent is stopping")
        log("pod agent stopped")

    def apply(self, kind, etype, obj):
        """Update the caches; return the pod keys to look at again."""
        if kind == "namespaces":
            if etype == "SYNC":
                self.namespaces = {o["metadata"]["name"] for o in obj}
                return set(self.pods) | set(self.running)
            name = obj["metadata"]["name"]
            if etype == "DELETED":
                self.namespaces.discard(name)
            else:
                self.namespaces.add(name)
            return {k for k in set(self.pods) | set(self.running) if k[0] == name}
        if etype == "SYNC":
            if not self.listed:
                self.listed = True
                log(f"pod agent up: listed {len(obj)} serving pod(s)")
            before = set(self.pods)
            self.pods = {(o["metadata"]["namespace"], o["metadata"]["name"]): o for o in obj}
            return before | set(self.pods) | set(self.running)
        key = (obj["metadata"]["namespace"], obj["metadata"]["name"])
        if etype == "DELETED":
            self.pods.pop(key, None)
        else:
            self.pods[key] = obj
        return {key}

    def why_not(self, key):
        """None when the pod should run here, else the reason it should not."""
        pod = self.pods.get(key)
        if pod is None:
            return "the pod was deleted"
        if pod["metadata"].get("deletionTimestamp"):
            return "the pod is being deleted"
        if self.namespaces is not None and key[0] not in self.namespaces:
            return f"namespace {key[0]} is not labelled {self.a.namespace_selector}"
        phase = pod.get("status", {}).get("phase")
        if phase != "Running":
            return f"the pod is {phase or 'not running'}"
        ip = pod["status"].get("podIP", "")
        try:
            if ipaddress.ip_address(ip) not in self.net:
                return f"its IP {ip} is outside {self.net}"
        except ValueError:
            return "it has no IP yet"
        return None

    def reconcile(self, key):
        reason = self.why_not(key)
        cur = self.running.get(key)
        pod = self.pods.get(key)
        if cur and (reason or pod["metadata"]["uid"] != cur.uid):
            self.stop(key, reason or "the pod was replaced (new uid)")
            cur = None
        if reason or cur:
            return
        uid = pod["metadata"]["uid"]
        if len(self.running) >= self.a.max_pods:
            self.skip(key, uid, f"already {self.a.max_pods} pods (--max-pods)")
            return
        try:
            self.start(key, pod)
        except Exception as e:
            self.skip(key, uid, f"cannot start: {type(e).__name__}: {e}")

    def skip(self, key, uid, reason):
        if self.skipped.get(key) != (uid, reason):
            self.skipped[key] = (uid, reason)
            log(f"skip  {key[0]}/{key[1]}: {reason}")

    # -- starting a pod ------------------------------------------------------
    def start(self, key, pod):
        ns, name = key
        uid = pod["metadata"]["uid"]
        ip = pod["status"]["podIP"]
        labels = pod["metadata"].get("labels", {})
        containers = pod["spec"].get("containers", [])
        runtime = next((c for c in containers if c["name"] == "runtime"), None)
        engine_c, engine_argv = None, None
        notes = []
        for c in containers:
            if c is runtime:
                continue
            env = container_env(self.kube, pod, c, notes)
            argv = engine_command([expand(w, env) for w in (c.get("command") or []) + (c.get("args") or [])])
            if argv:
                engine_c, engine_argv = c, argv
                break
        if engine_c is None and runtime is None:
            self.skip(key, uid, "nothing to run: no engine server command and no runtime container"
                      + (" (a worker pod: it runs a Ray worker, which serves no HTTP)"
                         if labels.get(ENTRY_LABEL) != "true" else ""))
            return
        pod_dir = os.path.join(self.a.state_dir, "pods", ns, name)
        os.makedirs(pod_dir, exist_ok=True)
        # Volumes as a kubelet makes them for a new pod: empty directories,
        # one per volume (emptyDir, PVC and hostPath alike: nothing is shared
        # between pods here).
        vol_root = os.path.join(pod_dir, "volumes")
        prev_uid = os.path.join(pod_dir, "uid")
        if not os.path.exists(prev_uid) or open(prev_uid).read() != uid:
            shutil.rmtree(vol_root, ignore_errors=True)
            with open(prev_uid, "w") as f:
                f.write(uid)
        volumes = {v["name"] for v in pod["spec"].get("volumes", [])}

        def mounts(c):
            out = []
            for m in c.get("volumeMounts") or []:
                if m["name"] not in volumes or m["mountPath"].startswith(("/proc", "/sys")):
                    continue
                host = os.path.join(vol_root, m["name"], m.get("subPath", "").strip("/"))
                os.makedirs(host, exist_ok=True)
                out.append({"mount_path": m["mountPath"], "host_dir": host.rstrip("/")})
            return out

        p = PodProcs(key, uid, ip, pod_dir)
        parts = []
        if engine_c is not None:
            cport = next((pt["containerPort"] for pt in engine_c.get("ports") or []), 0)
            plan = engine_plan(engine_argv, cport)
            cfg = dict(plan, pod=name, namespace=ns, host=ip, group=labels.get(GROUP_LABEL, ""),
                       mounts=mounts(engine_c))
            cfg_path = os.path.join(pod_dir, "engine.json")
            with open(cfg_path, "w") as f:
                json.dump(cfg, f, indent=2)
            p.procs["engine"] = {"cmd": [self.python, os.path.join(HERE, "fake_engine.py"), "--config", cfg_path],
                                 "env": {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONUNBUFFERED": "1"},
                                 "log": os.path.join(pod_dir, "engine.log"), "port": plan["port"]}
            role = plan["role"] or labels.get(ROLE_LABEL, "")
            parts.append(f"engine {plan['engine']} :{plan['port']} serving {plan['served_model_names']}"
                         + (f" + adapters {sorted(plan['lora_modules'])}" if plan["lora_modules"] else "")
                         + (f", role {role}" if role else "")
                         + (f" ({plan['port_note']})" if plan["port_note"] else ""))
        if runtime is not None:
            env = container_env(self.kube, pod, runtime, notes)
            args = sidecar_args([expand(w, env) for w in runtime.get("args") or []], ip)
            if runtime.get("command"):
                notes.append("the runtime container's command is replaced by Kthena's app.py")
            # The sidecar subscribes to the engine's KV events on the pod's
            # localhost: here that is the pod IP.
            for var in ("VLLM_ZMQ_ENDPOINT", "SGLANG_ZMQ_ENDPOINT"):
                env.setdefault(var, f"tcp://{ip}:5557")
            env.update({"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": "/root", "LANG": "C.UTF-8",
                        "PYTHONPATH": self.a.kthena_python, "PYTHONDONTWRITEBYTECODE": "1",
                        "PYTHONUNBUFFERED": "1"})
            binds = [f"{m['host_dir']}={m['mount_path']}" for m in mounts(runtime)]
            cdir = os.path.join(pod_dir, "runtime")
            os.makedirs(cdir, exist_ok=True)
            rport = flag_values(args, "--port", "-P")
            rport = int(rport[0]) if rport else 9000
            p.procs["runtime"] = {"cmd": [os.path.join(HERE, "pod-exec.sh"), cdir, *binds, "--", self.python,
                                          self.sidecar_app, *args],
                                  "env": env, "log": os.path.join(pod_dir, "runtime.log"), "port": rport}
            parts.append(f"runtime sidecar :{rport} ({' '.join(args)})")
        for proc in p.procs.values():
            proc.update(restarts=0, next_start=0.0, popen=None)
            self.spawn(p, proc)
        p.summary = "; ".join(parts) + (f"; notes: {'; '.join(notes)}" if notes else "")
        self.running[key] = p
        self.skipped.pop(key, None)
        self.write_children()

    def spawn(self, p, proc):
        with open(proc["log"], "ab") as out:
            out.write(f"--- {time.strftime('%Y-%m-%dT%H:%M:%S')} start (pod uid {p.uid}): "
                      f"{shlex.join(proc['cmd'])}\n".encode())
            out.flush()
            # setpriv --pdeathsig: should the agent die without stopping
            # them, the kernel sends them TERM.
            proc["popen"] = subprocess.Popen(["setpriv", "--pdeathsig", "TERM", "--", *proc["cmd"]],
                                             env=proc["env"], stdin=subprocess.DEVNULL, stdout=out,
                                             stderr=subprocess.STDOUT, start_new_session=True)

    # -- watching over them -----------------------------------------------
    def supervise(self):
        now = time.monotonic()
        changed = False
        for key, p in list(self.running.items()):
            for what, proc in p.procs.items():
                po = proc["popen"]
                if po is not None and po.poll() is not None:
                    # A container that exits is restarted, as restartPolicy
                    # Always would (with a back-off).
                    delay = min(2 ** proc["restarts"], 30)
                    log(f"exit  {key[0]}/{key[1]} {what} (pid {po.pid}) with code {po.returncode}; restarting in "
                        f"{delay} s (see {proc['log']})")
                    proc["popen"] = None
                    proc["restarts"] += 1
                    proc["next_start"] = now + delay
                    changed = True
                elif po is None and now >= proc["next_start"]:
                    self.spawn(p, proc)
                    changed = True
            if not p.announced:
                ready = all(self.answers(p.ip, proc["port"]) for proc in p.procs.values())
                waited = now - p.started_at
                if ready or waited > READY_TIMEOUT_S:
                    p.announced = True
                    pids = ", ".join(f"{w} pid {pr['popen'].pid}" for w, pr in p.procs.items() if pr["popen"])
                    state = f"answering /health after {waited:.1f} s" if ready else \
                        f"NOT answering /health after {READY_TIMEOUT_S} s"
                    log(f"start {key[0]}/{key[1]} on {p.ip}: {p.summary}; {pids}; {state}")
        if changed:
            self.write_children()

    @staticmethod
    def answers(ip, port):
        try:
            with urllib.request.urlopen(f"http://{ip}:{port}/health", timeout=0.3) as r:
                return r.status == 200
        except Exception:
            return False

    def stop(self, key, reason):
        p = self.running.pop(key)
        live = [(w, pr["popen"]) for w, pr in p.procs.items() if pr["popen"] and pr["popen"].poll() is None]
        for _, po in live:
            po.terminate()
        deadline = time.monotonic() + STOP_GRACE_S
        codes = []
        for w, po in live:
            try:
                po.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                po.kill()
                po.wait()
            codes.append(f"{w} pid {po.pid} exited {po.returncode}")
        log(f"stop  {key[0]}/{key[1]} on {p.ip}: {reason}" + (f" ({', '.join(codes)})" if codes else ""))
        self.write_children()

    def write_children(self):
        """Every child's pid and executable, for testenv.sh down should the
        agent itself be killed (its children also get TERM by pdeathsig)."""
        lines = []
        for p in self.running.values():
            for proc in p.procs.values():
                po = proc["popen"]
                if po is not None and po.poll() is None:
                    try:
                        lines.append(f"{po.pid} {os.readlink(f'/proc/{po.pid}/exe')}")
                    except OSError:
                        pass
        tmp = os.path.join(self.a.state_dir, "children.tmp")
        with open(tmp, "w") as f:
            f.write("".join(line + "\n" for line in lines))
        os.replace(tmp, os.path.join(self.a.state_dir, "children"))


def main():
    ap = argparse.ArgumentParser(description="Runs Kthena's runtime sidecar and a fake engine for each "
                                             "simulated serving pod (see the module docstring).")
    ap.add_argument("--kubeconfig", required=True)
    ap.add_argument("--state-dir", required=True, help="where pod directories, logs and the children file go")
    ap.add_argument("--pod-cidr", default="127.20.0.0/16")
    ap.add_argument("--kthena-python", required=True, help="the tag's python/ directory (PYTHONPATH of the sidecar)")
    ap.add_argument("--python", default=sys.executable, help="interpreter with the sidecar's requirements")
    ap.add_argument("--namespace-selector", default="",
                    help="only pods in namespaces with these labels (empty: every namespace)")
    ap.add_argument("--max-pods", type=int, default=48)
    a = ap.parse_args()
    os.makedirs(a.state_dir, exist_ok=True)
    Agent(a).run()


if __name__ == "__main__":
    main()
