#!/usr/bin/env python3
"""A stand-in for the inference engine of one pod (vLLM or SGLang).

The pod agent (agent.py) starts one per serving pod, on the pod's IP and
the engine port from the pod spec. It speaks the parts of vLLM's and
SGLang's HTTP API that the Kthena stack uses, with their real paths,
metric names and status codes, so that Kthena's router, autoscaler and
runtime sidecar (all real) talk to it as to an engine:

  POST /v1/chat/completions, /v1/completions   OpenAI; `model` must be a
        served model name or a loaded LoRA adapter (else 404, as vLLM);
        the answer names the pod in `system_fingerprint` and the model or
        adapter in `model`; `stream: true` answers with server-sent events.
        Prefill/decode: a request with kv_transfer_params.do_remote_decode
        is a prefill step (answered with kv_transfer_params naming this
        pod, as vLLM's NIXL/Mooncake connectors do), one with
        do_remote_prefill a decode step; both are counted.
  GET  /v1/models                               base model(s) and adapters
  GET  /metrics                                 Prometheus text, the
        engine's own names (vllm:... or sglang:...)
  POST /v1/load_lora_adapter {lora_name, lora_path}, /v1/unload_lora_adapter
        {lora_name} (SGLang also under /load_lora_adapter, /unload_lora_adapter)
  GET  /health

and a control API for tests, under /fake/ on the same port:

  GET  /fake/state   the knobs, counters and the last requests (JSON)
  POST /fake/state   set knobs (JSON object, any subset):
        waiting, running (added to the real in-flight count),
        kv_cache_usage (0..1), latency_ms (per completion),
        fail_completions (an HTTP status, 0 = off), hang_completions (bool),
        fail_lora (status), hang_lora (bool), unhealthy (bool: /health 503)
  POST /fake/reset   counters and the request log back to zero

Only the standard library: it must start in milliseconds and cost little,
since a test environment may run dozens.
"""

import argparse
import json
import logging
import os
import signal
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# Histogram buckets as vLLM declares them for TTFT and inter-token latency
# (the router only needs _sum and _count; the sidecar's parser needs a
# well-formed histogram).
TTFT_BUCKETS = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0]
ITL_BUCKETS = [0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5]

# Metric names per engine, as Kthena's router reads them
# (pkg/kthena-router/backend/{vllm,sglang}/metrics.go) and as its runtime
# sidecar renames them to kthena:* (python/kthena/runtime/standard.py).
METRIC_NAMES = {
    "vllm": {
        "running": "vllm:num_requests_running",
        "waiting": "vllm:num_requests_waiting",
        "kv_cache": "vllm:kv_cache_usage_perc",
        "ttft": "vllm:time_to_first_token_seconds",
        "itl": "vllm:inter_token_latency_seconds",
        # read by the sidecar only (renamed to kthena:time_per_output_token_seconds)
        "tpot": "vllm:time_per_output_token_seconds",
        "e2e": "vllm:e2e_request_latency_seconds",
        "generation_tokens": "vllm:generation_tokens_total",
    },
    "sglang": {
        "running": "sglang:num_running_reqs",
        "waiting": "sglang:num_queue_reqs",
        "kv_cache": "sglang:token_usage",
        "ttft": "sglang:time_to_first_token_seconds",
        "itl": "sglang:inter_token_latency_seconds",
        "tpot": None,
        "e2e": "sglang:e2e_request_latency_seconds",
        "generation_tokens": "sglang:generation_tokens_total",
    },
}

KNOBS = {
    "waiting": int, "running": int, "kv_cache_usage": float, "latency_ms": int,
    "fail_completions": int, "hang_completions": bool, "fail_lora": int, "hang_lora": bool,
    "unhealthy": bool,
}

# How long a hung request waits at most (the knob is cleared by a test, or
# the request gives up, so that nothing hangs forever).
HANG_LIMIT_S = 120
REQUEST_LOG_SIZE = 200


class Histogram:
    def __init__(self, buckets):
        self.buckets = buckets
        self.counts = [0] * len(buckets)
        self.sum = 0.0
        self.count = 0

    def observe(self, v):
        for i, b in enumerate(self.buckets):
            if v <= b:
                self.counts[i] += 1
        self.sum += v
        self.count += 1

    def lines(self, name, labels):
        out = [f"# HELP {name} Histogram of {name}.", f"# TYPE {name} histogram"]
        for b, c in zip(self.buckets, self.counts):
            out.append(f'{name}_bucket{{{labels},le="{b}"}} {c}')
        out.append(f'{name}_bucket{{{labels},le="+Inf"}} {self.count}')
        out.append(f"{name}_sum{{{labels}}} {self.sum}")
        out.append(f"{name}_count{{{labels}}} {self.count}")
        return out


class Engine:
    """The state of one fake engine; every method is called under self.lock."""

    def __init__(self, cfg):
        self.cfg = cfg
        self.kind = cfg["engine"]  # vllm | sglang
        self.pod = cfg["pod"]
        self.names = list(cfg["served_model_names"])
        # adapter name -> path, as the engine would report it
        self.adapters = dict(cfg.get("lora_modules", {}))
        self.lock = threading.Lock()
        self.changed = threading.Condition(self.lock)
        self.knobs = {"waiting": 0, "running": 0, "kv_cache_usage": 0.0, "latency_ms": 0,
                      "fail_completions": 0, "hang_completions": False, "fail_lora": 0,
                      "hang_lora": False, "unhealthy": False}
        self.reset()

    def reset(self):
        self.in_flight = 0
        self.counters = {"requests": 0, "chat_completions": 0, "completions": 0, "prefill_steps": 0,
                         "decode_steps": 0, "not_found": 0, "failed": 0, "lora_loads": 0, "lora_unloads": 0,
                         "by_model": {}}
        self.requests = []  # the last REQUEST_LOG_SIZE completion requests
        self.ttft = Histogram(TTFT_BUCKETS)
        self.itl = Histogram(ITL_BUCKETS)
        self.tpot = Histogram(ITL_BUCKETS)
        self.e2e = Histogram(TTFT_BUCKETS)
        self.generation_tokens = 0

    def base_model(self):
        return self.names[0]

    def serves(self, model):
        return model in self.names or model in self.adapters

    def host_path(self, pod_path):
        """Where a path inside the engine container is on this machine, when
        it lies in one of its volume mounts (the agent keeps each volume in
        a per-pod directory); None when it is in the container's own layer."""
        best = None
        for m in self.cfg.get("mounts", []):
            mp = m["mount_path"].rstrip("/") or "/"
            if pod_path == mp or pod_path.startswith(mp + "/"):
                if best is None or len(mp) > len(best[0]):
                    best = (mp, m["host_dir"])
        if best is None:
            return None
        return best[1] + pod_path[len(best[0]):]

    def metrics_text(self):
        n = METRIC_NAMES[self.kind]
        model = self.base_model()
        labels = f'engine="0",model_name="{model}"' if self.kind == "vllm" else f'model_name="{model}"'
        out = []

        def gauge(name, value):
            out.extend([f"# HELP {name} {name}.", f"# TYPE {name} gauge", f"{name}{{{labels}}} {value}"])

        gauge(n["running"], self.in_flight + self.knobs["running"])
        gauge(n["waiting"], self.knobs["waiting"])
        gauge(n["kv_cache"], self.knobs["kv_cache_usage"])
        out.extend([f"# HELP {n['generation_tokens']} Generated tokens.", f"# TYPE {n['generation_tokens']} counter",
                    f"{n['generation_tokens']}{{{labels}}} {self.generation_tokens}"])
        out += self.ttft.lines(n["ttft"], labels)
        out += self.itl.lines(n["itl"], labels)
        if n["tpot"]:
            out += self.tpot.lines(n["tpot"], labels)
        out += self.e2e.lines(n["e2e"], labels)
        return "\n".join(out) + "\n"


def make_handler(engine, log):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out in separate writes: without TCP_NODELAY,
        # Nagle plus the peer's delayed ACK add 40 ms to every answer.
        disable_nagle_algorithm = True
        server_version = "fake-" + engine.kind

        def log_message(self, fmt, *args):  # one line per request, written below instead
            pass

        # ------------------------------------------------------------ I/O --
        def body_json(self):
            n = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(n) if n else b""
            if not raw:
                return {}
            return json.loads(raw)

        def send(self, status, payload, content_type="application/json"):
            data = payload if isinstance(payload, bytes) else (
                payload.encode() if isinstance(payload, str) else json.dumps(payload).encode())
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def error(self, status, message, etype):
            # vLLM's ErrorResponse shape
            self.send(status, {"object": "error", "message": message, "type": etype, "param": None, "code": status})

        # --------------------------------------------------------- routes --
        def do_GET(self):
            path = self.path.split("?", 1)[0]
            if path == "/health":
                with engine.lock:
                    bad = engine.knobs["unhealthy"]
                self.send(503 if bad else 200, b"")
            elif path in ("/v1/models", "/models"):
                with engine.lock:
                    data = [{"id": name, "object": "model", "created": int(time.time()), "owned_by": engine.kind,
                             "root": engine.cfg.get("model_path", name), "parent": None} for name in engine.names]
                    data += [{"id": a, "object": "model", "created": int(time.time()), "owned_by": engine.kind,
                              "root": p, "parent": engine.base_model()} for a, p in sorted(engine.adapters.items())]
                self.send(200, {"object": "list", "data": data})
            elif path == "/metrics":
                with engine.lock:
                    text = engine.metrics_text()
                self.send(200, text, "text/plain; version=0.0.4; charset=utf-8")
            elif path == "/fake/state":
                with engine.lock:
                    state = {"pod": engine.pod, "engine": engine.kind, "role": engine.cfg.get("role", ""),
                             "served_model_names": engine.names, "adapters": engine.adapters,
                             "knobs": engine.knobs, "in_flight": engine.in_flight,
                             "counters": engine.counters, "requests": engine.requests}
                    self.send(200, json.loads(json.dumps(state)))
            else:
                self.error(404, f"no route {path}", "NotFoundError")

        def do_POST(self):
            path = self.path.split("?", 1)[0]
            try:
                body = self.body_json()
            except (ValueError, UnicodeDecodeError) as e:
                self.error(400, f"invalid JSON body: {e}", "BadRequestError")
                return
            if path in ("/v1/chat/completions", "/v1/completions"):
                self.completion(path, body)
            elif path in ("/v1/load_lora_adapter", "/load_lora_adapter"):
                self.load_lora(body)
            elif path in ("/v1/unload_lora_adapter", "/unload_lora_adapter"):
                self.unload_lora(body)
            elif path == "/fake/state":
                self.set_state(body)
            elif path == "/fake/reset":
                with engine.lock:
                    engine.reset()
                self.send(200, {"reset": True})
                log.info("control: counters reset")
            else:
                self.error(404, f"no route {path}", "NotFoundError")

        # ------------------------------------------------------- handlers --
        def set_state(self, body):
            if not isinstance(body, dict):
                self.error(400, "expected a JSON object", "BadRequestError")
                return
            unknown = sorted(set(body) - set(KNOBS))
            if unknown:
                self.error(400, f"unknown knobs {unknown}; known: {sorted(KNOBS)}", "BadRequestError")
                return
            with engine.lock:
                for k, v in body.items():
                    engine.knobs[k] = KNOBS[k](v)
                engine.changed.notify_all()
                knobs = dict(engine.knobs)
            log.info("control: knobs %s", json.dumps(body, sort_keys=True))
            self.send(200, {"knobs": knobs})

        def hang(self, knob):
            """Wait while the knob is set (a test clears it), at most HANG_LIMIT_S."""
            deadline = time.monotonic() + HANG_LIMIT_S
            with engine.lock:
                while engine.knobs[knob] and time.monotonic() < deadline:
                    engine.changed.wait(timeout=1.0)

        def completion(self, path, body):
            model = body.get("model") if isinstance(body, dict) else None
            kv = body.get("kv_transfer_params") if isinstance(body, dict) else None
            step = ""
            if isinstance(kv, dict) and kv.get("do_remote_decode"):
                step = "prefill"
            elif isinstance(kv, dict) and kv.get("do_remote_prefill"):
                step = "decode"
            entry = {"time": time.time(), "path": path, "model": model, "step": step,
                     "stream": bool(body.get("stream")), "max_tokens": body.get("max_tokens"),
                     "headers": {k.lower(): v for k, v in self.headers.items()
                                 if k.lower().startswith("x-") or k.lower() == "user-agent"}}
            if step == "decode":
                entry["remote_pod"] = kv.get("remote_pod")
                entry["remote_host"] = kv.get("remote_host")
            with engine.lock:
                c = engine.counters
                c["requests"] += 1
                c["chat_completions" if path.endswith("chat/completions") else "completions"] += 1
                if step:
                    c[step + "_steps"] += 1
                c["by_model"][str(model)] = c["by_model"].get(str(model), 0) + 1
                engine.requests.append(entry)
                del engine.requests[:-REQUEST_LOG_SIZE]
                known = engine.serves(model)
                fail = engine.knobs["fail_completions"]
                latency = engine.knobs["latency_ms"] / 1000.0
                if not known:
                    c["not_found"] += 1
                elif fail:
                    c["failed"] += 1
                else:
                    engine.in_flight += 1
            if not known:
                log.info("%s model=%s -> 404 (not served: %s)", path, model, engine.names + sorted(engine.adapters))
                self.error(404, f"The model `{model}` does not exist.", "NotFoundError")
                return
            if fail:
                log.info("%s model=%s -> %d (fail_completions)", path, model, fail)
                self.error(fail, "injected failure (fail_completions)", "InternalServerError")
                return
            try:
                self.hang("hang_completions")
                if latency:
                    time.sleep(latency)
                self.answer(path, body, model, step, kv)
            finally:
                with engine.lock:
                    engine.in_flight -= 1

        def answer(self, path, body, model, step, kv):
            chat = path.endswith("chat/completions")
            tokens = 1 if step == "prefill" else max(1, min(int(body.get("max_tokens") or 8), 16))
            text = " ".join(["tok"] * tokens)
            usage = {"prompt_tokens": 4, "completion_tokens": tokens, "total_tokens": 4 + tokens}
            rid = ("chatcmpl-" if chat else "cmpl-") + uuid.uuid4().hex[:16]
            created = int(time.time())
            with engine.lock:
                engine.ttft.observe(0.01)
                engine.itl.observe(0.02)
                engine.tpot.observe(0.02)
                engine.e2e.observe(0.01 + 0.02 * tokens)
                engine.generation_tokens += tokens
            extra = {}
            if step == "prefill":
                # What vLLM's NIXL/Mooncake connectors return from the prefill
                # step; the router passes it on to the decode step. remote_pod
                # is ours, so that a test can see which prefill pod served.
                extra["kv_transfer_params"] = {
                    "do_remote_prefill": True, "do_remote_decode": False,
                    "remote_engine_id": engine.pod, "remote_block_ids": [0],
                    "remote_host": engine.cfg["host"], "remote_port": engine.cfg.get("kv_port", 0),
                    "remote_pod": engine.pod}
            base = {"id": rid, "created": created, "model": model, "system_fingerprint": engine.pod}
            if not body.get("stream"):
                if chat:
                    choice = {"index": 0, "message": {"role": "assistant", "content": text},
                              "finish_reason": "length", "logprobs": None}
                    payload = dict(base, object="chat.completion", choices=[choice], usage=usage, **extra)
                else:
                    choice = {"index": 0, "text": text, "finish_reason": "length", "logprobs": None}
                    payload = dict(base, object="text_completion", choices=[choice], usage=usage, **extra)
                self.send(200, payload)
                log.info("%s model=%s%s -> 200", path, model, f" ({step} step)" if step else "")
                return
            # Server-sent events, as vLLM streams them; usage in a last chunk
            # when stream_options.include_usage asks for it.
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-cache")
            self.send_header("Connection", "close")
            self.end_headers()
            obj = "chat.completion.chunk" if chat else "text_completion"
            for i in range(tokens):
                piece = "tok" if i == 0 else " tok"
                choice = {"index": 0, "delta": {"content": piece}} if chat else {"index": 0, "text": piece}
                choice["finish_reason"] = "length" if i == tokens - 1 else None
                self.wfile.write(b"data: " + json.dumps(dict(base, object=obj, choices=[choice])).encode() + b"\n\n")
            opts = body.get("stream_options") or {}
            if isinstance(opts, dict) and opts.get("include_usage"):
                self.wfile.write(b"data: " + json.dumps(dict(base, object=obj, choices=[], usage=usage)).encode()
                                 + b"\n\n")
            self.wfile.write(b"data: [DONE]\n\n")
            self.wfile.flush()
            self.close_connection = True
            log.info("%s model=%s stream -> 200", path, model)

        def load_lora(self, body):
            name, path = body.get("lora_name"), body.get("lora_path")
            if not name or not path:
                self.error(400, "lora_name and lora_path are required", "BadRequestError")
                return
            self.hang("hang_lora")
            with engine.lock:
                fail = engine.knobs["fail_lora"]
                loaded = name in engine.adapters
            if fail:
                log.info("load_lora_adapter %s -> %d (fail_lora)", name, fail)
                self.error(fail, "injected failure (fail_lora)", "InternalServerError")
                return
            if loaded:
                self.error(400, f"The lora adapter '{name}' has already been loaded.", "InvalidUserInput")
                return
            # vLLM reads the adapter from lora_path; here the path must exist
            # when it lies in one of the engine container's volumes (where
            # the runtime sidecar's download must have put it).
            host = engine.host_path(path)
            if host is not None and not os.path.isdir(host):
                log.info("load_lora_adapter %s path=%s -> 404 (not in the engine's volume: %s)", name, path, host)
                self.error(404, f"No adapter found for {path}", "NotFoundError")
                return
            with engine.lock:
                engine.adapters[name] = path
                engine.counters["lora_loads"] += 1
            log.info("load_lora_adapter %s path=%s -> 200%s", name, path,
                     "" if host else " (path outside the engine's volumes: not checked)")
            self.send(200, f"Success: LoRA adapter '{name}' added successfully.", "text/plain")

        def unload_lora(self, body):
            name = body.get("lora_name")
            with engine.lock:
                fail = engine.knobs["fail_lora"]
                loaded = name in engine.adapters
                if loaded and not fail:
                    del engine.adapters[name]
                    engine.counters["lora_unloads"] += 1
            if fail:
                self.error(fail, "injected failure (fail_lora)", "InternalServerError")
            elif not loaded:
                self.error(404, f"The lora adapter '{name}' cannot be found.", "NotFoundError")
            else:
                log.info("unload_lora_adapter %s -> 200", name)
                self.send(200, f"Success: LoRA adapter '{name}' removed successfully.", "text/plain")

    return Handler


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", required=True, help="JSON written by the pod agent")
    args = ap.parse_args()
    with open(args.config) as f:
        cfg = json.load(f)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    log = logging.getLogger("engine")
    engine = Engine(cfg)
    server = ThreadingHTTPServer((cfg["host"], cfg["port"]), make_handler(engine, log))
    server.daemon_threads = True
    # TERM (the agent stopping the pod) ends serve_forever cleanly, exit 0.
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown, daemon=True).start())
    log.info("fake %s engine of pod %s on %s:%d: models %s, adapters %s, role %s", engine.kind, engine.pod,
             cfg["host"], cfg["port"], engine.names, engine.adapters or "none", cfg.get("role") or "none")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
