"""pyinfra equivalent of fleet.infra, for benches/fleet/run.sh.

Run: pyinfra -y inventory.py fleet_deploy.py
"""

from pyinfra import host
from pyinfra.facts.server import KernelVersion
from pyinfra.operations import apt, files, server

root = "/tmp/infrac-fleet-bench"

files.directory(name="root", path=root, mode="755")
files.directory(name="conf", path=f"{root}/conf", mode="755")
files.directory(name="logs", path=f"{root}/logs", mode="700")
files.put(
    name="app.conf",
    src=__import__("io").StringIO("port = 8080\nworkers = 4\n"),
    dest=f"{root}/conf/app.conf",
    mode="644",
)
files.template(
    name="motd",
    src="motd.j2",
    dest=f"{root}/conf/motd",
    mode="644",
    # `host` is reserved by pyinfra's templates: pass the name as `host_name`.
    host_name=host.name,
    kernel=host.get_fact(KernelVersion),
)
files.line(name="limits", path=f"{root}/conf/limits", line="nofile = 4096")
files.link(name="current", path=f"{root}/current", target=f"{root}/conf")
server.shell(name="installed", commands=[f"test -e {root}/installed || date > {root}/installed"])
apt.packages(name="openssh-server", packages=["openssh-server"])
