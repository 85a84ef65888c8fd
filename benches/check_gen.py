#!/usr/bin/env python3
"""Generates a large .infra program for benchmarking `infrac check`.

    python3 benches/check_gen.py OUT_DIR [LINES]

writes OUT_DIR/site.infra and OUT_DIR/lib/mNNN.infra (about 1,000 lines
each) until the total reaches LINES (default 100,000). site.infra uses
every module; each module's items use types, enums, optionals, records,
facts, ops, fns, matches and commands, so every checking path is taken.
"""

import os
import sys

BLOCK = '''/// A record of block {k}.
pub type Rec{k} = {{ name: str, port: int = 80, tags: list<str> = [] }}

/// An enum of block {k}.
pub enum Kind{k} {{ alpha, beta, gamma }}

/// Formats a name.
pub fn label{k}(x: int, name: str): str {{
  let r: Rec{k} = {{ name: name, port: x }}
  let s = "{{r.name}}-{{x}}-{{r.port}}"
  if x > 10 {{ s.upper() }} else {{ s.lower() }}
}}

/// Whether `path` exists.
pub fact exists{k}(path: str): bool {{
  let r = probe(sh"test -e {{path}}")
  r.code == 0
}}

/// Ensure `path` exists with `mode`.
pub op ensure{k}(path: str, mode: int? = none) changes facts.file(path) {{
  let f = facts.file(path)
  if f == none {{ run(sh"touch -- {{path}}") }}
  else if mode != none and f.mode != mode {{ run(sh"chmod {{mode:o}} -- {{path}}") }}
  let kind = match Kind{k}.alpha {{ Kind{k}.alpha => 1, Kind{k}.beta => 2, Kind{k}.gamma => 3 }}
  let _total = kind + len(path.split("/"))
}}

'''

STAGE = '''stage s{m}_{k} on web {{
  let port: int = host.data.port
  let r = m{m}.ensure{k}("/srv/{m}/{k}", mode: 0o644, sudo: true)
  if r.changed and facts.m{m}_ready {{ let _l = m{m}.label{k}(port, host.name) }}
}}

'''


def main() -> None:
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    target = int(sys.argv[2]) if len(sys.argv) > 2 else 100_000
    os.makedirs(os.path.join(out, "lib"), exist_ok=True)
    block_lines = BLOCK.count("\n")
    stage_lines = STAGE.count("\n")
    per_module = 1000 // block_lines
    modules = max(1, target // (per_module * block_lines + 2 * stage_lines))
    total = 0
    for m in range(modules):
        text = "".join(BLOCK.format(k=k) for k in range(per_module))
        text += f"pub fact m{m}_ready: bool {{ facts.hostname != \"\" }}\n"
        with open(os.path.join(out, "lib", f"m{m:03}.infra"), "w") as f:
            f.write(text)
        total += text.count("\n")
    site = "".join(f"use lib::m{m:03} as m{m}\n" for m in range(modules))
    site += "\ntype Web = { port: int }\n"
    site += 'group web: Web = [local(data: { port: 8080 })]\n\n'
    site += "".join(STAGE.format(m=m, k=k) for m in range(modules) for k in range(2))
    with open(os.path.join(out, "site.infra"), "w") as f:
        f.write(site)
    total += site.count("\n")
    print(f"{modules} modules + site.infra: {total} lines in {out}")


if __name__ == "__main__":
    main()
