"""The README's command reference matches the parser: every command and flag it shows exists."""
import re

from atw_ofx.cli import build_parser

from conftest import ROOT


def _subparsers(parser):
    for action in parser._actions:
        if action.__class__.__name__ == "_SubParsersAction":
            return action.choices
    return {}


def documented_commands() -> list[tuple[list[str], set[str]]]:
    """(command words, flags) for each `atw ...` entry of the README's command-line block."""
    text = (ROOT / "README.md").read_text()
    block = text.split("## The command line", 1)[1].split("```", 2)[1]
    entries, current = [], None
    for line in block.splitlines():
        if line.startswith("atw "):
            current = [line]
            entries.append(current)
        elif current is not None and line.strip():
            current.append(line)
    out = []
    for entry in entries:
        joined = " ".join(entry).split(" -- ")[0]  # after --: render options, checked above
        words = [w for w in joined.split()[1:3] if re.fullmatch(r"[a-z]+", w)]
        out.append((words, set(re.findall(r"(?<![\w-])(--[a-z][a-z-]*|-[a-z])\b", joined))))
    return out


def test_every_documented_command_and_flag_exists():
    root = build_parser()
    entries = documented_commands()
    assert len(entries) >= 15
    for words, flags in entries:
        parser = root
        for word in words:
            children = _subparsers(parser)
            if word not in children:
                break
            parser = children[word]
        assert parser is not root, f"`atw {' '.join(words)}` is not a command"
        known = {opt for action in parser._actions for opt in action.option_strings}
        missing = flags - known
        assert not missing, f"`atw {' '.join(words)}`: README shows {sorted(missing)}"


def test_ci_runs_exactly_the_readmes_test_command():
    text = (ROOT / "README.md").read_text()
    block = text.split("Run the tests", 1)[1].split("```bash", 1)[1].split("```", 1)[0]
    command = block.strip()
    assert command.endswith("bash .ci/host-pythons") and ".venv/bin/pytest" in command
    ci = [line for line in (ROOT / ".ci" / "run").read_text().splitlines()
          if line and not line.startswith(("#", "set ", "cd "))]
    assert ci == [command]


def test_every_flag_the_docs_name_is_an_option():
    """docs/cli.md and docs/farm.md name only flags some command has (a renamed option shows)."""
    def options(parser):
        found = {opt for action in parser._actions for opt in action.option_strings}
        for child in _subparsers(parser).values():
            found |= options(child)
        return found

    known = options(build_parser())
    for page in ("cli.md", "farm.md"):
        text = (ROOT / "docs" / page).read_text()
        named = set(re.findall(r"(?<![\w-])(--[a-z][a-z-]*[a-z])\b", text))
        assert len(named) > 5 and not named - known, (page, sorted(named - known))
