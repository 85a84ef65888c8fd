"""pyinfra equivalent of fleet.infra, for benches/fleet/run.sh.

Run: pyinfra -y inventory.py fleet_deploy.py
"""

from io import StringIO

from pyinfra import host
from pyinfra.facts.files import File
from pyinfra.facts.server import Command, KernelVersion
from pyinfra.operations import apt, crontab, files, server

root = "/tmp/infrac-fleet-bench"

# First: the secret file below is owned by this user.
server.user(name="fleetapp", user="fleetapp", shell="/bin/sh", create_home=True, _sudo=True)
files.directory(name="root", path=root, mode="755")
files.directory(name="conf", path=f"{root}/conf", mode="755")
files.directory(name="logs", path=f"{root}/logs", mode="700")
files.put(name="app.conf", src="app.conf", dest=f"{root}/conf/app.conf", mode="644")
files.put(
    name="secret",
    src=StringIO("token = fleet-bench\n"),
    dest=f"{root}/conf/secret",
    user="fleetapp",
    mode="600",
    _sudo=True,
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
# A fact-dependent branch.
family = "debian" if host.get_fact(File, path="/etc/debian_version") else "other"
files.put(name="family", src=StringIO(f"{family}\n"), dest=f"{root}/conf/family")
# A package already in the image: a query, no install.
apt.packages(name="openssh-server", packages=["openssh-server"])
# deploy's own crontab: no sudo.
crontab.crontab(
    name="fleet-rotate",
    command=f"find {root}/logs -mtime +7 -delete",
    user="deploy",
    minute="0",
    hour="3",
    cron_name="fleet-rotate",
)
# A command whose output is used later.
arch = host.get_fact(Command, command="dpkg --print-architecture").strip()
files.put(name="arch", src=StringIO(f"arch = {arch}\n"), dest=f"{root}/conf/arch")
# pyinfra's server.shell has no `creates`: the op is only added when the
# fact says the file is missing (pyinfra reads facts while it builds the
# plan, before any op runs, so the guard is a plan-time check).
if not host.get_fact(File, path=f"{root}/installed"):
    server.shell(name="installed", commands=[f"date > {root}/installed"])
