"""pyinfra equivalent of examples/quickstart.infra, for benches/run_vs_pyinfra.sh.

Run: pyinfra @local quickstart_deploy.py -y --data root=/tmp/x --data name=world
"""

from pyinfra import host
from pyinfra.facts.server import Command, Hostname
from pyinfra.operations import files

root = host.data.get("root", "/tmp/infrac-bench-pyinfra")
name = host.data.get("name", "world")

files.directory(name="root", path=root, mode="755")
files.directory(name="site", path=f"{root}/site", mode="755")
files.directory(name="logs", path=f"{root}/logs", mode="700")

kernel = host.get_fact(Command, "uname -sr").strip()
page = files.template(
    name="page",
    # The same page as examples/templates/index.html.j2; pyinfra reserves
    # the variable names `name` and `host`.
    src="index.html.j2",
    dest=f"{root}/site/index.html",
    mode="644",
    greet=name,
    hostname=host.get_fact(Hostname),
    kernel=kernel,
)

files.line(name="robots 1", path=f"{root}/site/robots.txt", line="User-agent: *")
files.line(name="robots 2", path=f"{root}/site/robots.txt", line="Disallow: /logs/")
files.link(name="current", path=f"{root}/current", target=f"{root}/site")

# pyinfra v3 runs operations after the deploy file: a result is tested with `_if`.
files.line(
    name="log",
    path=f"{root}/logs/changes.log",
    line=f"index.html rendered for {name}",
    _if=page.did_change,
)
