"""Point every launch link at one repository, check that they all agree, print a JupyterHub link.

repository.toml names the repository (owner/name) and its branch. Every link
that launches the curriculum is written from it: the README's and each
notebook's Colab badge, the Binder badge (README and INSTRUCTORS.md), each
setup cell's REPOSITORY and BRANCH (what Colab clones), the guide's
repo2docker line and its nbgitpuller link.

    python tools/fork.py --repo someone/course [--branch main]   # `make fork`: rewrite them all, then check
    python tools/fork.py --check                                 # every link agrees with repository.toml
    python tools/fork.py --hub-link https://hub.example.edu      # `make hub-link`: the nbgitpuller link

Links to other projects (lucid, AI for Beginners, papers) are left alone: only
the address in repository.toml is rewritten. Standard library only, Python
3.10 or newer: it runs before any virtual environment exists.
Exit status: 0 when every link agrees, 1 when one does not, 2 for bad arguments.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
CONFIG = "repository.toml"
LESSONS = "lessons"  # the folder Binder and the hub open JupyterLab on
FOLDER = "seecat"  # the folder a clone makes (Colab's setup cell, nbgitpuller), whatever the fork's name
# Files that may name the repository: text files by suffix, outside builds, caches and environments.
SUFFIXES = {".md", ".ipynb", ".py", ".toml", ".yml", ".yaml", ".txt", ".cfg", ".sh", ".html"}
NAMES = {"Makefile", "run", "postBuild"}
SKIPPED_FOLDERS = {"outputs", "mutants", "build", "__pycache__", "node_modules"}
KEPT_DOT_FOLDERS = {".ci", ".binder", ".github"}
# Left as they are: tests name made-up repositories on purpose, and read the real one from repository.toml.
LEFT_ALONE = ("tests/",)
REPOSITORY_FORMAT = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}")
BRANCH_FORMAT = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._/-]{0,199}")
# A link runs until whitespace or what ends it in Markdown or JSON (a "{" is a template in code, not a link).
LINK_END = r"[^\s)\]\"'\\<>{}]+"
COLAB = re.compile(r"https://colab\.research\.google\.com/github/" + LINK_END)
BINDER = re.compile(r"https://mybinder\.org/v2/gh/" + LINK_END)
NBGITPULLER = re.compile(r"git-pull\?" + LINK_END)
REPO2DOCKER = re.compile(r"repo2docker [^\n`]*?--ref (\S+) (https://\S+?)(?=[\s`]|$)")
SETUP_VALUE = re.compile(r'^\s*"(REPOSITORY|BRANCH) = \\"([^"\\]*)\\"', re.MULTILINE)


@dataclass(frozen=True)
class Address:
    """Where the curriculum lives: `repository` is owner/name on GitHub, `branch` the one the links open."""

    repository: str
    branch: str = "main"

    def __post_init__(self):
        if not REPOSITORY_FORMAT.fullmatch(self.repository) or self.repository.endswith((".", ".git")):
            raise ValueError(f"repository must be owner/name as on GitHub (e.g. someone/course), "
                             f"but was {self.repository!r}")
        if not BRANCH_FORMAT.fullmatch(self.branch) or ".." in self.branch or self.branch.endswith(("/", ".")):
            raise ValueError(f"branch must be a git branch name (e.g. main), but was {self.branch!r}")

    @property
    def url(self) -> str:
        return f"https://github.com/{self.repository}"

    def colab(self, path: str) -> str:
        """The Colab link that opens the notebook at `path` (relative to the repository's root)."""
        return f"https://colab.research.google.com/github/{self.repository}/blob/{self.branch}/{path}"

    def binder(self, folder: str = LESSONS) -> str:
        """The Binder link that opens JupyterLab on `folder`."""
        return f"https://mybinder.org/v2/gh/{self.repository}/{self.branch}?urlpath=lab/tree/{folder}"

    def nbgitpuller_query(self) -> str:
        """nbgitpuller's query: clone (or update) the repository into ~/seecat, then open JupyterLab on its lessons."""
        query = {"repo": self.url, "branch": self.branch, "targetpath": FOLDER,
                 "urlpath": f"lab/tree/{FOLDER}/{LESSONS}"}
        return urllib.parse.urlencode(query, quote_via=urllib.parse.quote, safe="")

    def hub_link(self, hub: str) -> str:
        """The link a student clicks on the class's JupyterHub at `hub` (e.g. https://hub.example.edu)."""
        if not re.fullmatch(r"https?://[^\s/?#]+(/[^\s?#]*)?", hub):
            raise ValueError(f"HUB must be the hub's address, e.g. https://hub.example.edu, but was {hub!r}")
        return f"{hub.rstrip('/')}/hub/user-redirect/git-pull?{self.nbgitpuller_query()}"


def read_address(root: Path = ROOT) -> Address:
    """The Address in root/repository.toml (two keys, `repository` and `branch`)."""
    text = (root / CONFIG).read_text()
    values = dict(re.findall(r'^(repository|branch)\s*=\s*"([^"]*)"\s*$', text, re.MULTILINE))
    if "repository" not in values:
        raise ValueError(f'{root / CONFIG} must have a line repository = "owner/name"; it has none')
    return Address(values["repository"], values.get("branch", "main"))


def write_address(address: Address, root: Path = ROOT) -> None:
    """Set both values in root/repository.toml, keeping its comments."""
    path = root / CONFIG
    text = re.sub(r'^repository\s*=.*$', f'repository = "{address.repository}"', path.read_text(), flags=re.MULTILINE)
    text = re.sub(r'^branch\s*=.*$', f'branch = "{address.branch}"', text, flags=re.MULTILINE)
    path.write_text(text)


def linked_files(root: Path = ROOT) -> list[Path]:
    """Every text file that may name the repository, sorted (no builds, caches, environments or tests)."""
    found = []
    for folder, subfolders, files in os.walk(root):
        subfolders[:] = [name for name in subfolders if name not in SKIPPED_FOLDERS and not name.endswith(".egg-info")
                         and (not name.startswith(".") or name in KEPT_DOT_FOLDERS)]
        found += [Path(folder, name) for name in files if Path(name).suffix in SUFFIXES or name in NAMES]
    return sorted(path for path in found if not path.relative_to(root).as_posix().startswith(LEFT_ALONE))


def rewrites(old: Address, new: Address) -> list[tuple[re.Pattern, Callable[[re.Match], str]]]:
    """(pattern, replacement) pairs that turn each of old's links into new's, most specific first."""
    repository = re.escape(old.repository)
    branch = re.escape(old.branch)
    end = r"(?![\w-]|\.(?!git\b)\w)"  # the whole name, not the start of another one (".git" may follow)
    pairs = [
        (rf"colab\.research\.google\.com/github/{repository}/blob/{branch}/",
         lambda match: f"colab.research.google.com/github/{new.repository}/blob/{new.branch}/"),
        (rf"mybinder\.org/v2/gh/{repository}/{branch}\?",
         lambda match: f"mybinder.org/v2/gh/{new.repository}/{new.branch}?"),
        (rf"github\.com/{repository}/(blob|tree)/{branch}/",
         lambda match: f"github.com/{new.repository}/{match[1]}/{new.branch}/"),
        (rf"raw\.githubusercontent\.com/{repository}/{branch}/",
         lambda match: f"raw.githubusercontent.com/{new.repository}/{new.branch}/"),
        (rf"--ref {branch} https://github\.com/{repository}{end}", lambda match: f"--ref {new.branch} {new.url}"),
        (rf'^(\s*"BRANCH = \\"){branch}(\\")', lambda match: f"{match[1]}{new.branch}{match[2]}"),
        (re.escape(f"git-pull?{old.nbgitpuller_query()}"), lambda match: f"git-pull?{new.nbgitpuller_query()}"),
        (rf"github\.com/{repository}{end}", lambda match: f"github.com/{new.repository}"),
    ]
    return [(re.compile(pattern, re.MULTILINE), replacement) for pattern, replacement in pairs]


def fork(new: Address, root: Path = ROOT) -> dict[str, int]:
    """Rewrite every link of the address in root/repository.toml to `new`, then the file; file -> links changed."""
    old = read_address(root)
    changed = {}
    for path in linked_files(root):
        text = original = path.read_text(encoding="utf-8", errors="surrogateescape")
        count = 0
        for pattern, replacement in rewrites(old, new):
            text, replaced = pattern.subn(replacement, text)
            count += replaced
        if text != original:
            path.write_text(text, encoding="utf-8", errors="surrogateescape")
            changed[path.relative_to(root).as_posix()] = count
    write_address(new, root)
    return changed


def _check_points_into(kind: str, prefix: str, link: str, root: Path, notebook: bool) -> str | None:
    """None if `link` starts with `prefix` and the rest names a notebook (or any path) of the repository."""
    if not link.startswith(prefix):
        return f"{kind} link {link} should start with {prefix}"
    path = link[len(prefix):]
    if notebook and not (root / path).is_file():
        return f"{kind} link {link} names {path}, which is not a file of the repository"
    if not (root / path).exists():
        return f"{kind} link {link} opens {path}, which is not in the repository"
    return None


def _check_colab(link: str, address: Address, root: Path) -> str | None:
    return _check_points_into("Colab", address.colab(""), link, root, notebook=True)


def _check_binder(link: str, address: Address, root: Path) -> str | None:
    return _check_points_into("Binder", address.binder(""), link, root, notebook=False)


def _check_nbgitpuller(link: str, address: Address, root: Path) -> str | None:
    expected = f"git-pull?{address.nbgitpuller_query()}"
    return None if link == expected else f"nbgitpuller link {link} should be {expected}"


def problems(root: Path = ROOT) -> list[str]:
    """What disagrees with root/repository.toml: each link that names another repository, branch or a missing path.

    Also that the README and INSTRUCTORS.md have a Binder badge and each
    notebook of lessons/ and solutions/ a Colab badge to itself.
    """
    address, found = read_address(root), []
    checks = ((COLAB, _check_colab), (BINDER, _check_binder), (NBGITPULLER, _check_nbgitpuller))
    for path in linked_files(root):
        text, name = path.read_text(encoding="utf-8", errors="surrogateescape"), path.relative_to(root).as_posix()
        for pattern, check in checks:
            found += [f"{name}: {problem}" for link in pattern.findall(text)
                      if (problem := check(link, address, root))]
        for ref, url in REPO2DOCKER.findall(text):
            if (ref, url) != (address.branch, address.url):
                found.append(f"{name}: repo2docker should build --ref {address.branch} {address.url}, "
                             f"not --ref {ref} {url}")
        if path.suffix == ".ipynb":
            expected = {"REPOSITORY": address.url, "BRANCH": address.branch}
            found += [f"{name}: setup cell's {key} is {value!r}, should be {expected[key]!r}"
                      for key, value in SETUP_VALUE.findall(text) if value != expected[key]]
    for notebook in sorted([*root.glob(f"{LESSONS}/*.ipynb"), *root.glob("solutions/*.ipynb")]):
        relative = notebook.relative_to(root).as_posix()
        if address.colab(relative) not in COLAB.findall(notebook.read_text()):
            found.append(f"{relative}: has no Colab badge to itself, {address.colab(relative)}")
    for guide in ("README.md", "INSTRUCTORS.md"):
        if (root / guide).is_file() and address.binder() not in (root / guide).read_text():
            found.append(f"{guide}: no Binder badge to {address.binder()}")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--repo", help="owner/name of the repository every link should name (make fork REPO=...)")
    action.add_argument("--check", action="store_true", help="check that every link agrees with repository.toml")
    action.add_argument("--hub-link", metavar="HUB", help="print the nbgitpuller link for the JupyterHub at HUB")
    parser.add_argument("--branch", help="the branch the links open (default: repository.toml's)")
    parser.add_argument("--root", type=Path, default=ROOT, help=argparse.SUPPRESS)
    arguments = parser.parse_args(argv)
    try:
        address = read_address(arguments.root)
        if arguments.hub_link:
            print(address.hub_link(arguments.hub_link))
            return 0
        if arguments.repo:
            new = Address(arguments.repo, arguments.branch or address.branch)
            changed = fork(new, arguments.root)
            for name, count in changed.items():
                print(f"{name}: {count} link{'s' * (count != 1)}")
            print(f"{sum(changed.values())} links in {len(changed)} files now name {new.repository} "
                  f"(branch {new.branch}); {CONFIG} too. Commit and push them to {new.url}.")
    except ValueError as error:
        print(f"tools/fork.py: {error}", file=sys.stderr)
        return 2
    found = problems(arguments.root)
    for problem in found:
        print(problem, file=sys.stderr)
    if arguments.check or found:
        print(f"{len(found)} links disagree with {CONFIG}" if found else
              f"Every launch link names {read_address(arguments.root).repository} and an existing path.")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
