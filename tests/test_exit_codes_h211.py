"""Helper 211's walk: what `train` exits with when Ctrl-C leaves it before its run ended."""

import re
from pathlib import Path

from ftlib.commands.train_follow import EXIT_CODES_SAID


def test_train_and_readme_say_the_exit_code_of_a_command_left_while_its_run_goes_on():
    """Helper 211's walk: Ctrl-C within a second of train's 'run ID' line said 'the run is running and goes on
    without this command' and exited 130 (cli._main), a code neither `train --help` nor README's list gave (0, 1, 2,
    3), so a script took the run for ended. Both now name 130 (143 for a SIGTERM), the run going on."""
    readme = re.sub(r"\s+", " ", (Path(__file__).parents[1] / "README.md").read_text())
    codes = readme[readme.index("`train` (and `runs resume ID --wait`, `runs follow ID`) exit with 0") :][:600]
    for said in (EXIT_CODES_SAID, codes):
        assert "130" in said and "143" in said and "goes on" in said, said
