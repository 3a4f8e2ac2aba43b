"""A real OpenBao or Vault dev server in a Docker container.

Host networking on a free loopback port (no bridge: nothing leaves loopback),
/tmp as tmpfs (the plugins' sockets), the plugin directory bind-mounted
read-only at /plugins, IPC_LOCK granted so mlock works where a server uses it.
The plugins run inside the container, next to the server. Every container
carries the run's label, so `vault-conformance cleanup` finds anything a
killed run left. Without --server-image, the image is built locally FROM
scratch from the static server binary, tagged by kind and version, and reused.
"""

from __future__ import annotations

import fcntl
import os
import secrets
import shutil
import tempfile
from pathlib import Path

import docker
import docker.errors
import psutil

from conformance.errors import InfrastructureError, UsageError
from conformance.runtime.plugin_binary import elf_is_static
from conformance.runtime.lifecycle import ending, interrupts_held
from conformance.runtime.servers.base import INTERRUPTED_STOP_S, RealServer, STOP_TIMEOUT_S, live
from conformance.runtime.servers.locate import ServerBinary, cache_dir

LABEL_RUN = "vault-plugin-conformance.run"
LABEL_OWNER = "vault-plugin-conformance.owner-pid"  # the certify process; cleanup spares live owners
LABEL_IMAGE = "vault-plugin-conformance.server-image"
PLUGINS_IN_CONTAINER = "/plugins"
PERSISTENT_IN_CONTAINER = "/vpc"  # a persistent server's config and raft data, bind-mounted read-write


def docker_client() -> docker.DockerClient:
    try:
        client = docker.from_env(timeout=60)
        client.ping()
    except docker.errors.DockerException as error:
        raise InfrastructureError(f"no Docker daemon answers: {error}") from None
    return client


def daemon_answers() -> bool:
    try:
        docker_client().close()
    except InfrastructureError:
        return False
    return True


def local_image_tag(binary: ServerBinary) -> str:
    return f"vault-plugin-conformance/{binary.kind}:{binary.version}"


def server_image(client: docker.DockerClient, binary: ServerBinary, image: str | None) -> str:
    """The image to run: the one asked for (pulled if absent), else a local FROM scratch build, made once."""
    if image:
        try:
            client.images.get(image)
        except docker.errors.ImageNotFound:
            try:
                client.images.pull(image)
            except docker.errors.DockerException as error:
                raise InfrastructureError(f"image {image} is not present and could not be pulled: {error}") from None
        return image
    tag = local_image_tag(binary)
    lock_path = cache_dir() / "docker-build.lock"
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # parallel runs build once
        try:
            client.images.get(tag)
            return tag
        except docker.errors.ImageNotFound:
            pass
        if not elf_is_static(binary.path):
            raise UsageError(f"{binary.path} is dynamically linked and cannot run in a FROM scratch image; "
                             "give --server-image or a static --server-binary")
        with tempfile.TemporaryDirectory(prefix="vpc-image-") as context:
            shutil.copy2(binary.path, Path(context) / "server")
            (Path(context) / "Dockerfile").write_text(
                "FROM scratch\nCOPY server /bin/server\nENTRYPOINT [\"/bin/server\"]\n")
            try:
                client.images.build(path=context, tag=tag, labels={LABEL_IMAGE: binary.kind}, rm=True, forcerm=True)
            except docker.errors.DockerException as error:
                raise InfrastructureError(f"building {tag} failed: {error}") from None
    return tag


class DockerServer(RealServer):
    runtime = "docker"

    def __init__(self, binary: ServerBinary, port: int | None = None, image: str | None = None,
                 persistent: bool = False):
        super().__init__(binary, port, persistent)
        self.run_id = secrets.token_hex(6)
        self.requested_image = image
        self.image: str | None = None
        self.docker: docker.DockerClient | None = None  # self.client is the server's API client
        self.container = None
        self._log = ""  # what the server printed, kept when its container is gone

    def sibling(self, persistent: bool = False) -> "DockerServer":
        return DockerServer(self.binary, image=self.requested_image, persistent=persistent)

    def _launch(self) -> None:
        self._earlier_log = self._log  # a restart: the earlier container's words stay in the log
        self.docker = docker_client()
        self.image = server_image(self.docker, self.binary, self.requested_image)
        try:
            with interrupts_held():  # an interrupted create would leave a container we hold no handle on
                self.container = self.docker.containers.run(
                    self.image,
                    command=self.server_arguments(PLUGINS_IN_CONTAINER, PERSISTENT_IN_CONTAINER),
                    detach=True,
                    name=f"vpc-{self.run_id}",
                    labels={LABEL_RUN: self.run_id, LABEL_OWNER: str(os.getpid())},
                    network_mode="host",
                    tmpfs={"/tmp": "rw,mode=1777"},
                    volumes=self._volumes(),
                    environment={"HOME": "/tmp", "TMPDIR": "/tmp"},
                    cap_add=["IPC_LOCK"],
                )
        except docker.errors.DockerException as error:
            raise InfrastructureError(f"the server container did not start: {error}") from None

    def _volumes(self) -> dict:
        volumes = {str(self.plugin_directory): {"bind": PLUGINS_IN_CONTAINER, "mode": "ro"}}
        if self.persistent:
            volumes[str(self.persistent_directory)] = {"bind": PERSISTENT_IN_CONTAINER, "mode": "rw"}
        return volumes

    def signal_server_only(self, timeout: float) -> bool:
        """docker stop sends SIGTERM to the server (PID 1) alone; did it exit within timeout?"""
        try:
            self.container.stop(timeout=int(timeout))
            self.container.reload()
        except docker.errors.DockerException:
            return False
        return self.container.status in ("exited", "dead")

    def _exited(self) -> bool:
        try:
            self.container.reload()
        except docker.errors.NotFound:
            return True
        return self.container.status in ("exited", "dead")

    def _raw_log(self) -> str:
        if self.container is None:
            return self._log
        try:
            return getattr(self, "_earlier_log", "") + self.container.logs().decode("utf-8", "replace")
        except docker.errors.DockerException:
            return self._log

    def _terminate(self) -> None:
        """docker stop (SIGTERM, then SIGKILL), keep the log, remove the container and anything of this run."""
        if self.docker is None:
            return
        if self.container is not None:
            try:
                self.container.stop(timeout=int(INTERRUPTED_STOP_S if ending() else STOP_TIMEOUT_S))
            except docker.errors.DockerException:
                pass
            self._log = self._raw_log()
            self.container = None
        remove_run_containers(self.docker, self.run_id)  # also one whose creation an interrupt cut short
        self.docker.close()
        self.docker = None

    def _top(self) -> list[tuple[int, str]]:
        """(host pid, command line) of every process in the container."""
        if self.container is None:
            return []
        try:
            top = self.container.top(ps_args="-eo pid,args")
        except docker.errors.DockerException:
            return []
        titles = [t.upper() for t in top.get("Titles", [])]
        pid_column, args_column = titles.index("PID"), len(titles) - 1
        return [(int(row[pid_column]), row[args_column]) for row in top.get("Processes") or []]

    def run_processes(self) -> list[psutil.Process]:
        """Every live process in the container but the server (PID 1), by host pid."""
        return live([pid for pid, args in self._top() if not args.startswith("/bin/server")])

    def plugin_processes(self, binary_name: str) -> list[psutil.Process]:
        """The plugin's processes inside the container, by their host pids."""
        wanted = f"{PLUGINS_IN_CONTAINER}/{binary_name}"
        return live([pid for pid, args in self._top() if args.split(" ")[0] == wanted])


def remove_run_containers(client: docker.DockerClient, run_id: str | None = None) -> int:
    """Remove the containers of one run, or (run_id None) of every run whose certify process is gone."""
    label = f"{LABEL_RUN}={run_id}" if run_id else LABEL_RUN
    removed = 0
    for container in client.containers.list(all=True, filters={"label": label}):
        owner = container.labels.get(LABEL_OWNER, "")
        if run_id is None and owner.isdigit() and psutil.pid_exists(int(owner)):
            continue  # a run still going: not left behind
        try:
            container.remove(force=True)
            removed += 1
        except docker.errors.NotFound:
            pass
    return removed
