#!/usr/bin/env python3
"""Latency and memory of `infrac lsp` on a generated workspace, over stdio.

Generates a workspace of about LINES lines (a `site.infra` that uses
MODULES modules under lib/), starts `infrac lsp`, opens site.infra, then
measures from the client side:
  - diagnostics after a one-character edit inside a stage body (time from
    sending didChange to receiving publishDiagnostics for that version),
  - completion after `mN.` (a module's members),
  - hover on a `let` name,
and the server's resident memory (VmRSS, and peak VmHWM) at the end.

Usage: lsp/bench/lsp_latency.py [--infrac target/release/infrac]
       [--lines 20000] [--modules 20] [--iterations 40]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import queue
import time

MODULE_BLOCK = '''/// Op {k} of this module.
pub op op_{k}(path: str, mode: int? = none) changes facts.file(path) {{
  let f = facts.file(path)
  if f == none {{
    run(sh"mkdir -p -- {{path}}")
  }}
  if mode != none {{
    run(sh"chmod {{mode:o}} -- {{path}}")
  }}
}}

/// Record {k}.
pub type Rec{k} = {{ a: int, b: str = "x" }}

pub fn helper_{k}(x: int): int {{ x * 2 + {k} }}

'''
STAGE = '''stage s{i} on web {{
  let r{i} = m{j}.op_{k}("/tmp/x{i}")
  let n{i} = m{j}.helper_{k}({i})
  if r{i}.changed and n{i} > 0 {{ m{j}.op_{k}("/tmp/y{i}", mode: 0o755) }}
}}

'''


def generate(root, lines, modules):
    os.makedirs(os.path.join(root, "lib"), exist_ok=True)
    block_lines = MODULE_BLOCK.count("\n")
    stage_lines = STAGE.count("\n")
    site_share = lines // 10
    per_module = (lines - site_share) // modules
    blocks = max(1, per_module // block_lines)
    for m in range(modules):
        with open(os.path.join(root, "lib", f"m{m}.infra"), "w") as f:
            f.write("".join(MODULE_BLOCK.format(k=k) for k in range(blocks)))
    stages = max(1, site_share // stage_lines)
    header = "use lib::{" + ", ".join(f"m{m}" for m in range(modules)) + "}\n\ngroup web = [local()]\n\n"
    body = "".join(STAGE.format(i=i, j=i % modules, k=i % blocks) for i in range(stages))
    site = header + body
    with open(os.path.join(root, "site.infra"), "w") as f:
        f.write(site)
    total = site.count("\n") + modules * blocks * block_lines
    return site, total


class Server:
    def __init__(self, binary, root):
        self.proc = subprocess.Popen([binary, "lsp"], cwd=root, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.messages = queue.Queue()
        self.next_id = 1
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        out = self.proc.stdout
        while True:
            length = None
            while True:
                line = out.readline()
                if not line:
                    return
                line = line.strip()
                if not line:
                    break
                if line.startswith(b"Content-Length:"):
                    length = int(line.split(b":")[1])
            self.messages.put((time.perf_counter(), json.loads(out.read(length))))

    def send(self, message):
        body = json.dumps(message).encode()
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def notify(self, method, params):
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def wait(self, pred, timeout=120):
        deadline = time.perf_counter() + timeout
        while True:
            at, m = self.messages.get(timeout=max(0.0, deadline - time.perf_counter()))
            if pred(m):
                return at, m

    def request(self, method, params):
        rid = self.next_id
        self.next_id += 1
        start = time.perf_counter()
        self.send({"jsonrpc": "2.0", "id": rid, "method": method, "params": params})
        at, m = self.wait(lambda m: m.get("id") == rid and "method" not in m)
        if "error" in m:
            raise RuntimeError(f"{method}: {m['error']}")
        return (at - start) * 1000, m.get("result")

    def memory_kb(self):
        fields = {}
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                key, _, value = line.partition(":")
                fields[key] = value.strip()
        return int(fields["VmRSS"].split()[0]), int(fields["VmHWM"].split()[0])


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--infrac", default="target/release/infrac")
    ap.add_argument("--lines", type=int, default=20000)
    ap.add_argument("--modules", type=int, default=20)
    ap.add_argument("--iterations", type=int, default=40)
    args = ap.parse_args()
    binary = os.path.abspath(args.infrac)

    with tempfile.TemporaryDirectory() as root:
        site, total = generate(root, args.lines, args.modules)
        uri = "file://" + os.path.join(root, "site.infra")
        server = Server(binary, root)
        server.request("initialize", {"processId": None, "rootUri": "file://" + root, "capabilities": {}})
        server.notify("initialized", {})

        def diagnostics_of(version):
            return lambda m: (m.get("method") == "textDocument/publishDiagnostics"
                              and m["params"]["uri"] == uri and m["params"].get("version") == version)

        start = time.perf_counter()
        server.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "infra", "version": 1, "text": site}})
        at, first = server.wait(diagnostics_of(1))
        open_ms = (at - start) * 1000
        errors = [d for d in first["params"]["diagnostics"] if d.get("severity") == 1]
        if errors:
            print(f"warning: the generated workspace has {len(errors)} errors, e.g. {errors[0]['message']}", file=sys.stderr)

        # The one-character edit: inside the string of the last stage's first call.
        lines = site.split("\n")
        edit_line = max(i for i, l in enumerate(lines) if '("/tmp/x' in l)
        edit_col = lines[edit_line].index('("/tmp/x') + 3
        call_line = edit_line
        member_col = lines[call_line].index(".op_") + 1
        hover_col = lines[call_line].index("let r") + 4

        edit_ms, version = [], 1
        for i in range(args.iterations):
            version += 1
            pos = {"line": edit_line, "character": edit_col}
            if i % 2 == 0:
                change = {"range": {"start": pos, "end": pos}, "text": "z"}
            else:
                end = {"line": edit_line, "character": edit_col + 1}
                change = {"range": {"start": pos, "end": end}, "text": ""}
            start = time.perf_counter()
            server.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": version}, "contentChanges": [change]})
            at, _ = server.wait(diagnostics_of(version))
            edit_ms.append((at - start) * 1000)

        completion_ms, hover_ms = [], []
        for _ in range(args.iterations):
            ms, items = server.request("textDocument/completion", {"textDocument": {"uri": uri}, "position": {"line": call_line, "character": member_col}})
            completion_ms.append(ms)
            ms, hover = server.request("textDocument/hover", {"textDocument": {"uri": uri}, "position": {"line": call_line, "character": hover_col}})
            hover_ms.append(ms)
        rss, peak = server.memory_kb()
        server.request("shutdown", None)
        server.notify("exit", None)
        server.proc.wait(timeout=10)

    def row(name, values):
        return f"| {name} | {percentile(values, 50):.1f} | {percentile(values, 95):.1f} | {len(values)} |"

    print(f"workspace: {total} lines ({args.modules} modules + site.infra), {len(items or [])} completion items")
    print(f"first diagnostics after didOpen: {open_ms:.0f} ms")
    print("| measure | p50 (ms) | p95 (ms) | samples |")
    print("| --- | --- | --- | --- |")
    print(row("diagnostics after a one-character edit", edit_ms))
    print(row("completion after `mN.`", completion_ms))
    print(row("hover on a `let`", hover_ms))
    print(f"server memory at the end: RSS {rss / 1024:.0f} MiB, peak {peak / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
