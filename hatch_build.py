"""The wheel's build hook: the rules and the engine compiled to C with mypyc.

The rules run on every item, and compiled they vet about a third more items
a second (``benchmarks/rules_bench.py``) from the very same source, which
stays in the wheel beside the compiled modules. The compiling is
hatch-mypyc's; this hook only decides when it runs:

- an installed wheel (``pip install .``): compiled;
- an editable install (``pip install -e .``, for working on the code):
  never, so a changed ``.py`` file is what runs;
- ``SOCIAL_MONITOR_BUILD=pure``: never (a machine without a C compiler);
- ``SOCIAL_MONITOR_BUILD=compiled``: compiled, and a failure fails the build
  (CI: a broken compile must not pass unseen);
- otherwise, when compiling fails (no C compiler or Python headers), the
  wheel is pure Python with a warning: the same rules, slower.

``social-monitor check`` and the benchmark say which one is installed.
"""

from __future__ import annotations

import os
from typing import Any

from hatch_mypyc.plugin import MypycBuildHook

#: how to build: "pure", "compiled" or unset (compiled when possible)
BUILD_ENV = "SOCIAL_MONITOR_BUILD"


class CompiledRulesHook(MypycBuildHook):  # type: ignore[misc]  # hatch-mypyc has no types
    """hatch-mypyc's hook, run only for wheels that are installed as they are."""

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        how = os.environ.get(BUILD_ENV, "")
        if how not in ("", "pure", "compiled"):
            raise ValueError(f"{BUILD_ENV}={how!r}: expected 'pure' or 'compiled'")
        if version == "editable" or how == "pure":
            return
        try:
            super().initialize(version, build_data)
        except Exception as err:
            self.clean([version])  # no half-built module may shadow its source
            if how == "compiled":
                raise
            self.app.display_warning(
                f"social-monitor: compiling the rules failed, installing them as pure Python "
                f"(the same rules, slower): {err}"
            )

    def finalize(self, version: str, build_data: dict[str, Any], artifact_path: str) -> None:
        # hatch-mypyc compiles in place: the modules it leaves beside their
        # sources would run instead of any later edit to them.
        if version != "editable":
            self.clean([version])


def get_build_hook() -> type[MypycBuildHook]:
    """The hook hatchling's custom-hook loader takes (the module holds two hook classes)."""
    return CompiledRulesHook
