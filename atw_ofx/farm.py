"""Farm job descriptions: ``atw farm emit --backend opencue|deadline|cmdlist``.

Every backend describes the same two-step job:

1. ``track`` — one task: ``atw track`` computes the face track of the whole shot once;
2. ``render`` — one task per chunk of ``--chunk`` frames, depending on the track:
   ``atw render … --frames FIRST-LAST --frames-in JOBSPEC --track TRACK``. ``--frames-in`` keeps
   a chunk to the job's own frames when the spec is stepped or a list (``1001-1100x2``,
   ``1,5,9-12``), whatever range the farm hands the chunk.

Because every chunk reads the same track, a farm render is byte-identical to a single
``atw render`` of the shot. The job's frames are clamped to the frames of the input that exist
(a warning names what was dropped at either end); a frame missing inside the range is an error,
reported before anything is written. Commands are argument lists joined with shell quoting.

Backends: OpenCue (an XML job spec serialised offline by ``opencue-pyoutline``; submit with
``cueadmin``/``pycuerun`` or the Python API), Deadline (job + plugin info files for the
``CommandLine`` plugin and a ``submit.sh`` calling ``deadlinecommand -SubmitMultipleJobs
-dependent``), and ``cmdlist`` (one command per line, track first, for any queue or ``xargs``).
"""
from __future__ import annotations

import logging
import os
import re
import shlex
import sys
from dataclasses import dataclass, field
from pathlib import Path

from .atomic import write_text
from .errors import ATWError, InputError
from .options import FARM_BACKENDS as BACKENDS
from .sequence import check_frames_exist, frame_spec, frames_on_disk, is_sequence, whole_range

log = logging.getLogger(__name__)


def chunk_frames(frames: list[int], size: int) -> list[list[int]]:
    """Consecutive groups of ``size`` of the job's frames; every chunk starts and ends on one.

    >>> chunk_frames([1001, 1003, 1005, 1007, 1009], 2)
    [[1001, 1003], [1005, 1007], [1009]]
    """
    if size < 1:
        raise ATWError(f"--chunk {size}: expected 1 or more")
    return [frames[i:i + size] for i in range(0, len(frames), size)]


def job_frames(input_path: str, frames: list[int] | None) -> list[int]:
    """The job's frames: as asked, clamped to the input's first and last frame on disk."""
    if not is_sequence(input_path):
        if frames is None:
            raise ATWError("a farm job of a clip or a still needs --frames")
        return frames
    on_disk = frames_on_disk(input_path)
    if frames is None:  # the whole range: a hole in the plates is an error, not a shorter job
        frames = whole_range(on_disk)
    kept = [f for f in frames if on_disk[0] <= f <= on_disk[-1]]
    if not kept:
        raise InputError(f"none of frames {frame_spec(frames)} exist "
                         f"(on disk: {frame_spec(on_disk)})", path=input_path)
    if len(kept) < len(frames):
        dropped = sorted(set(frames) - set(kept))
        log.warning("frames %s are outside the input's %d-%d: left out of the job",
                    frame_spec(dropped), on_disk[0], on_disk[-1])
    check_frames_exist(input_path, kept)
    return kept


@dataclass
class FarmJob:
    """A shot to render on a farm.

    ``render_args`` are the ``atw render`` options after ``--`` (AUs, model, ResWarp, …);
    ``atw`` is the command that runs ATW on a render node (default: this interpreter).
    """

    name: str
    input: str
    output: str
    frames: list[int]
    chunk: int
    render_args: list[str] = field(default_factory=list)
    track: str = ""  # the shared face track file; default beside the output
    atw: list[str] = field(default_factory=lambda: [sys.executable, "-m", "atw_ofx.cli"])

    def __post_init__(self) -> None:
        # Job files hold one command per line or one key per line: a newline (or any control
        # character) in a path or an option would add lines of its own — a command, a key.
        for arg in (self.name, self.input, self.output, self.track, *self.render_args,
                    *self.atw):
            if any(ord(c) < 32 or ord(c) == 127 for c in arg):
                raise InputError(f"a farm job's paths and options may not hold control "
                                 f"characters: {arg!r}")
        self.input, self.output = os.path.abspath(self.input), os.path.abspath(self.output)
        self.render_args = _absolute_paths(self.render_args)
        self.track = os.path.abspath(self.track or
                                     os.path.join(os.path.dirname(self.output), f"{self.name}.track.json"))

    @property
    def spec(self) -> str:
        return frame_spec(self.frames)

    def track_command(self) -> list[str]:
        return [*self.atw, "track", self.input, "-o", self.track, "--frames", self.spec,
                *_face_args(self.render_args)]

    def render_command(self, first: str, last: str) -> list[str]:
        """The chunk command; ``first``/``last`` are numbers or a farm's frame tokens."""
        return [*self.atw, "render", self.input, "-o", self.output, *self.render_args,
                "--frames", f"{first}-{last}", "--frames-in", self.spec, "--track", self.track]

    def chunks(self) -> list[list[int]]:
        return chunk_frames(self.frames, self.chunk)


#: Render options whose value is a file: made absolute in a job, since a render node runs it
#: from a working folder of its own (``--model`` only where it names a file or folder, not one
#: of the built-in models).
PATH_OPTIONS = ("--aus", "--face-boxes", "--model")


def valued_options(args: list[str], names) -> list[tuple[int, int, str, str]]:
    """Where ``args`` give the options ``names`` (each takes a value) a value: ``(at, value_at,
    name, value)`` for ``--opt value`` (``value_at = at + 1``) and ``--opt=value``
    (``value_at = at``) alike — the one reading of a command line that the farm's rewrites
    share."""
    found = []
    for i, arg in enumerate(args):
        name, eq, value = arg.partition("=")
        if name in names and (eq or i + 1 < len(args)):
            found.append((i, i, name, value) if eq else (i, i + 1, name, args[i + 1]))
    return found


def without_output(args: list[str], positional: str) -> list[str]:
    """``atw render`` arguments less the input ``positional`` (its first occurrence) and the
    ``-o/--output`` option: what each chunk of a job repeats."""
    dropped = {k for at, value_at, _, _ in valued_options(args, ("-o", "--output"))
               for k in (at, value_at)}
    first = next((i for i, a in enumerate(args) if a == positional and i not in dropped), None)
    return [a for i, a in enumerate(args) if i not in dropped and i != first]


def _absolute_paths(render_args: list[str]) -> list[str]:
    """``render_args`` with the values of :data:`PATH_OPTIONS` absolute (``--opt value`` and
    ``--opt=value`` alike; a ``--model`` only when it names a file)."""
    out = list(render_args)
    for at, value_at, name, value in valued_options(out, PATH_OPTIONS):
        if name != "--model" or os.path.exists(value):
            path = os.path.abspath(value)
            out[value_at] = f"{name}={path}" if at == value_at else path
    return out


def _face_args(render_args: list[str]) -> list[str]:
    """The render options that choose the face, which ``atw track`` must see too."""
    wanted = ("--face-index", "--face-box", "--face-boxes", "--colorspace")
    return [a for at, value_at, _, _ in valued_options(render_args, wanted)
            for a in render_args[at:value_at + 1]]


def emit(job: FarmJob, backend: str, out_dir: str | os.PathLike) -> list[Path]:
    """Write ``job``'s description for ``backend`` into ``out_dir``; returns the files written."""
    out_dir = Path(out_dir)  # made by the first write
    if backend == "cmdlist":
        return [write_text(out_dir / f"{job.name}.commands.txt", emit_cmdlist(job))]
    if backend == "deadline":
        return [write_text(out_dir / name, text) for name, text in emit_deadline(job).items()]
    if backend == "opencue":
        return [write_text(out_dir / f"{job.name}.cue.xml", emit_opencue(job))]
    raise ATWError(f"--backend {backend!r}: expected one of {', '.join(BACKENDS)}")




def emit_cmdlist(job: FarmJob) -> str:
    """One shell command per line: the track, then each chunk (run them in this order)."""
    lines = [shlex.join(job.track_command())]
    lines += [shlex.join(job.render_command(str(c[0]), str(c[-1]))) for c in job.chunks()]
    return "\n".join(lines) + "\n"


#: Deadline's CommandLine plugin replaces these with the chunk's first and last frame.
DEADLINE_FIRST, DEADLINE_LAST = "<STARTFRAME>", "<ENDFRAME>"


def emit_deadline(job: FarmJob) -> dict[str, str]:
    """Job and plugin info files (``key=value``) for two dependent CommandLine jobs."""
    def job_info(name, frames, chunk):
        return _key_values({"Plugin": "CommandLine", "Name": f"{job.name} {name}",
                            "BatchName": job.name, "Frames": frames, "ChunkSize": chunk})

    def plugin_info(command):
        return _key_values({"Executable": command[0], "Arguments": _deadline_join(command[1:]),
                            "Shell": "default", "ShellExecute": "False"})

    render = job.render_command(DEADLINE_FIRST, DEADLINE_LAST)
    files = {
        f"{job.name}.track.job": job_info("track", str(job.frames[0]), 1),
        f"{job.name}.track.plugin": plugin_info(job.track_command()),
        f"{job.name}.render.job": job_info("render", job.spec, job.chunk),
        f"{job.name}.render.plugin": plugin_info(render),
    }
    names = list(files)
    files[f"{job.name}.submit.sh"] = (
        "#!/bin/sh\n# Submit the track job, then the render job depending on it.\n"
        'cd "$(dirname "$0")" && deadlinecommand -SubmitMultipleJobs -dependent '
        f"-job {shlex.quote(names[0])} {shlex.quote(names[1])} "
        f"-job {shlex.quote(names[2])} {shlex.quote(names[3])}\n")
    return files


def _deadline_join(args: list[str]) -> str:
    """Deadline splits ``Arguments`` itself (no shell): double quotes where an argument needs them.

    >>> _deadline_join(["render", "my plate.####.exr", "--frames", "<STARTFRAME>-<ENDFRAME>"])
    'render "my plate.####.exr" --frames <STARTFRAME>-<ENDFRAME>'
    """
    def quote(arg: str) -> str:
        if arg and not any(c in arg for c in ' \t"\''):
            return arg
        return '"' + arg.replace('"', '\\"') + '"'
    return " ".join(quote(a) for a in args)


def _key_values(items: dict) -> str:
    return "".join(f"{k}={v}\n" for k, v in items.items())


#: OpenCue replaces these in a layer's command with the chunk's first and last frame.
OPENCUE_FIRST, OPENCUE_LAST = "#FRAME_START#", "#FRAME_END#"


def emit_opencue(job: FarmJob, *, show: str = "atw", shot: str | None = None,
                 user: str | None = None) -> str:
    """The OpenCue job spec (XML), serialised offline by pyoutline: no Cuebot is contacted."""
    try:
        import outline
        import outline.backend.cue
        import outline.cuerun
        from outline.modules.shell import Shell
    except ImportError:
        raise ATWError("--backend opencue needs pyoutline: pip install 'atw-ofx[farm]'") from None

    user = user or os.environ.get("USER") or "atw"
    ol = outline.Outline(job.name, frame_range=job.spec, shot=shot or job.name, show=show,
                         user=user)
    # Commands as single quoted strings: pyoutline joins lists with bare spaces.
    patterns = (job.input, job.output)
    track = Shell("track", command=_opencue_safe(job.track_command(), patterns),
                  range=str(job.frames[0]), chunk=1)
    render = Shell("render", range=job.spec, chunk=job.chunk, command=_opencue_safe(
        job.render_command(OPENCUE_FIRST, OPENCUE_LAST), patterns))
    ol.add_layer(track)
    ol.add_layer(render)
    render.depend_all(track)
    return outline.backend.cue.serialize_simple(outline.cuerun.OutlineLauncher(ol))


def _opencue_safe(command: list[str], patterns: tuple[str, ...]) -> str:
    """Shell-quoted, with the sequence ``patterns``' ``####`` as ``%04d`` (in their file names)
    so they cannot read as a ``#TOKEN#``; every other argument (``take#2.json``) as it is."""
    def printf(arg: str) -> str:
        if arg not in patterns or not is_sequence(arg):
            return arg
        folder, name = os.path.split(arg)
        return os.path.join(folder, re.sub(r"#+", lambda m: f"%0{len(m.group())}d", name))
    return shlex.join(printf(a) for a in command)
