"""Generate the wire protocol modules into wheels (editable installs generate on import)."""

import runpy
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildPyWithWire(build_py):
    def run(self):
        super().run()
        if not getattr(self, "editable_mode", False):
            generate = runpy.run_path(str(Path(__file__).parent / "conformance" / "wire" / "generate.py"))
            generate["generate_into"](Path(self.build_lib) / "conformance" / "wire")


setup(cmdclass={"build_py": BuildPyWithWire})
