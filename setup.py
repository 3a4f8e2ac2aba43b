"""Generate the wire protocol modules at build time, never at import.

A wheel gets them in its build dir; an editable install (`pip install -e .`) writes them next to the sources,
once, when it is installed. `python -m conformance.wire.generate` does the same by hand after a .proto changed.
"""

import runpy
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent


class BuildPyWithWire(build_py):
    def run(self):
        super().run()
        generate = runpy.run_path(str(HERE / "conformance" / "wire" / "generate.py"))
        if getattr(self, "editable_mode", False):
            generate["generate_into"](HERE / "conformance" / "wire")
        else:
            generate["generate_into"](Path(self.build_lib) / "conformance" / "wire")


setup(cmdclass={"build_py": BuildPyWithWire})
